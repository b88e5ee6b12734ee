import { renameSync, writeFileSync } from "node:fs";
import QRCode from "qrcode";

/**
 * A video file for Chromium's fake camera (`--use-file-for-fake-video-capture`): Y4M, 4:2:0,
 * showing `payload` as a QR code (dark modules on a light background, a quiet zone around it),
 * or a blank frame when `payload` is null. Written to a temporary name and renamed, so a camera
 * opening it never reads half a file.
 */
export function writeQrVideo(file: string, payload: string | null, opts: { width?: number; height?: number; frames?: number } = {}): void {
  const width = opts.width ?? 640;
  const height = opts.height ?? 480;
  const frames = opts.frames ?? 2;
  const y = new Uint8Array(width * height).fill(235);
  if (payload) {
    const qr = QRCode.create(payload, { errorCorrectionLevel: "M" });
    const size = qr.modules.size;
    const scale = Math.floor((Math.min(width, height) * 0.9) / (size + 8));
    const side = size * scale;
    const left = Math.floor((width - side) / 2);
    const top = Math.floor((height - side) / 2);
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) {
        if (!qr.modules.data[row * size + col]) continue;
        for (let dy = 0; dy < scale; dy++)
          y.fill(16, (top + row * scale + dy) * width + left + col * scale, (top + row * scale + dy) * width + left + (col + 1) * scale);
      }
    }
  }
  const chroma = new Uint8Array((width / 2) * (height / 2) * 2).fill(128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), y, chroma]);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
  renameSync(tmp, file);
}
