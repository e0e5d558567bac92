// A pressure map on a canvas, shared by the live and review pages: one
// canvas pixel per cell (row 0 at the top, col 0 at the left), the
// canvas's CSS box in the mat's aspect in mm, values through the 256-entry
// colour table. The hottest cell and the peak are left on the canvas's
// dataset (hotRow, hotCol, peak) for screen readers' neighbours and tests.
import { colourTable } from './colour.js';

export const LUT = colourTable();

export class HeatMap {
  constructor(canvas) {
    this.canvas = canvas;
    // The cells are drawn through the canvas's OffscreenCanvas where there
    // is one: its frames go to the display compositor by themselves, so a
    // new frame costs the page no style/layout/paint/commit of its own
    // (that pipeline was most of the live page's CPU, 25 times a second).
    // The <canvas> stays in the page as the placeholder showing them, with
    // its CSS size, image-rendering and dataset as before.
    this.target = canvas.transferControlToOffscreen ? canvas.transferControlToOffscreen() : canvas;
    this.rows = 0;
    this.cols = 0;
  }

  // rows × cols cells of pitchX × pitchY mm, cssWidth pixels wide (or
  // narrower, keeping the aspect, to stay within maxHeight).
  size(rows, cols, pitchX, pitchY, cssWidth, maxHeight = Infinity) {
    const wmm = cols * (pitchX || 1), hmm = rows * (pitchY || 1);
    this.rows = rows; this.cols = cols;
    this.target.width = cols; this.target.height = rows;
    this.cssW = Math.round(Math.min(cssWidth, maxHeight * wmm / hmm));
    this.cssH = Math.max(8, Math.round(this.cssW * hmm / wmm));
    this.canvas.style.width = this.cssW + 'px';
    this.canvas.style.height = this.cssH + 'px';
    this.image = new ImageData(cols, rows);
  }

  // vals: rows × cols values ≥ 0 in the unit; max: the top of the scale.
  paint(vals, max) {
    const n = this.rows * this.cols, img = this.image.data, k = 255 / (max > 0 ? max : 1);
    let peak = 0, hot = 0;
    for (let i = 0; i < n; i++) {
      const v = vals[i];
      if (v > peak) { peak = v; hot = i; }
      const c = Math.min(255, Math.round(v * k)) * 4;
      img[4 * i] = LUT[c]; img[4 * i + 1] = LUT[c + 1]; img[4 * i + 2] = LUT[c + 2]; img[4 * i + 3] = 255;
    }
    this.target.getContext('2d').putImageData(this.image, 0, 0);
    this.canvas.dataset.hotRow = Math.floor(hot / this.cols);
    this.canvas.dataset.hotCol = hot % this.cols;
    this.canvas.dataset.peak = peak.toFixed(3);
    return { peak, hot };
  }
}

// Cells as recorded (u8, or u16 little-endian) into values in the unit,
// tared cell by cell and clamped at 0: what the report's maps use too.
export function cellValues(bytes, n, cellBits, perCount, tare, out) {
  const raw = cellBits === 16 ? new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 2 * n))
                              : bytes.subarray(0, n);
  const vals = out || new Float32Array(n);
  for (let i = 0; i < n; i++) vals[i] = Math.max(0, (raw[i] - (tare ? tare[i] : 0)) * perCount);
  return vals;
}
