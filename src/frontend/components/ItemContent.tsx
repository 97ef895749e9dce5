import React from 'react';
import type { Item } from '../../protocol';

/** Only inline raster images: a thumbnail must never make the browser fetch anything. */
const INLINE_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,/;

/** An item as the annotator sees it: its thumbnail and/or its text, else its id. */
export function ItemContent(props: { item: Item; className: string }): JSX.Element {
  const { item, className } = props;
  const image = item.image && INLINE_IMAGE.test(item.image) ? item.image : null;
  return (
    <span className={className}>
      {image ? <img className="tl-ItemImage" src={image} alt={item.text ?? `item ${item.id}`} /> : null}
      {item.text ?? (image ? null : `item ${item.id}`)}
    </span>
  );
}
