// The pressure map's 256-entry colour table as RGBA bytes, and a scale bar
// drawn from it. The colours are model/colour_map.h's (inferno), which the
// report draws with too; pressd-web serves them as /colour_map.js.
import { COLOUR_MAP } from './colour_map.js';

export function colourTable() {
  const t = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    t.set(COLOUR_MAP.subarray(3 * i, 3 * i + 3), 4 * i);
    t[4 * i + 3] = 255;
  }
  return t;
}

export function drawScale(canvas, lut) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(1, 256);
  for (let i = 0; i < 256; i++) img.data.set(lut.subarray(4 * (255 - i), 4 * (255 - i) + 4), 4 * i);
  ctx.putImageData(img, 0, 0);
}
