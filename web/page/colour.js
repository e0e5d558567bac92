// A 256-entry colour table (perceptual, dark blue to yellow-white, in the
// manner of viridis/inferno) as RGBA bytes, and a scale bar drawn from it.
export function colourTable() {
  const stops = [[0, 0, 0, 4], [0.25, 60, 15, 110], [0.5, 180, 45, 90], [0.75, 250, 140, 20], [1, 252, 255, 164]];
  const t = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    let k = 0;
    while (k < stops.length - 2 && x > stops[k + 1][0]) k++;
    const [x0, ...a] = stops[k], [x1, ...b] = stops[k + 1];
    const f = (x - x0) / (x1 - x0);
    for (let c = 0; c < 3; c++) t[4 * i + c] = a[c] + f * (b[c] - a[c]);
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
