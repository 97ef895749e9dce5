import React, { useState } from 'react';
import type { Item } from '../../protocol';

/** Only inline raster images: a thumbnail must never make the browser fetch anything. */
const INLINE_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,/;

/** Thumbnails at most this wide are scaled up with hard pixel edges (28×28 digits and clothes). */
const PIXELATED_MAX_WIDTH = 64;

/** An item's thumbnail if it has a safe inline one. */
export function inlineImage(item: Item): string | null {
  return item.image && INLINE_IMAGE.test(item.image) ? item.image : null;
}

/** An item's thumbnail, pixelated when tiny so it is not blurred into mush; its id if it has none. */
export function ItemImage(props: { item: Item; className: string }): JSX.Element {
  const { item, className } = props;
  const [pixelated, setPixelated] = useState(false);
  const src = inlineImage(item);
  if (!src) {
    return <span className={`${className} tl-mod-missing`}>{item.text ?? `item ${item.id}`}</span>;
  }
  return (
    <img
      className={`tl-ItemImage ${className}${pixelated ? ' tl-mod-pixelated' : ''}`}
      src={src}
      alt={item.text ?? `item ${item.id}`}
      draggable={false}
      onLoad={event => setPixelated(event.currentTarget.naturalWidth <= PIXELATED_MAX_WIDTH)}
    />
  );
}
