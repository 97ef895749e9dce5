import { LabIcon } from '@jupyterlab/ui-components';

/** A query dot linked to three neighbours; `jp-icon3` lets the theme colour it. */
const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="6" cy="12" r="3"/>
    <circle cx="18" cy="5" r="2.2"/>
    <circle cx="19" cy="12" r="2.2"/>
    <circle cx="18" cy="19" r="2.2"/>
    <path d="M8.6 10.9 16 5.9l.6 1-7.4 5zM9 11.4h8v1.2H9zM9.2 13.1l7.4 5-.6 1L8.6 14z"/>
  </g>
</svg>`;

/** Tunelab's icon: sidebar tab and settings entry. */
export const tunelabIcon = new LabIcon({ name: 'tunelab:icon', svgstr });
