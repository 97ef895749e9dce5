import React from 'react';
import type { Item } from '../../protocol';
import { inlineImage, ItemImage } from './ItemImage';

/** An item as the annotator sees it: its thumbnail and/or its text, else its id. */
export function ItemContent(props: { item: Item; className: string }): JSX.Element {
  const { item, className } = props;
  const image = inlineImage(item);
  return (
    <span className={className}>
      {image ? <ItemImage item={item} className="tl-ItemContent-image" /> : null}
      {item.text ?? (image ? null : `item ${item.id}`)}
    </span>
  );
}
