/**
 * `npm run bench:derive` (also part of `npm run bench`): issue 3's derivative measurements.
 *   1. one 600-dpi A4 colour page (4960×7016): Yaddaş's derivatives (thumbnail, access JPEG,
 *      IIIF level-0 tiles, sizes, full/max) in a fresh process, beside the vips CLI making the
 *      same outputs (vipsthumbnail twice, vips dzsave --layout iiif3), same run;
 *   2. a 20000×25000 map, tiled, with the peak memory of the process (target < 1 GB).
 * Peak memory is VmHWM, read from /proc while the process runs. Needs `vips` (libvips-tools).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { scanLikePage } from './lib/page.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORK = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../../bench/.work-derive' : '.work-derive');
const say = (s: string) => process.stdout.write(`${s}\n`);

/** Runs a command; returns wall seconds and the peak resident memory in MB. */
function measure(cmd: string, args: string[]): Promise<{ s: number; mb: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    let peak = 0;
    const poll = setInterval(async () => {
      const st = await fs.readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(st)?.[1] ?? 0) / 1024);
    }, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`${cmd} exited ${code}`));
      else resolve({ s: (performance.now() - t) / 1000, mb: peak });
    });
  });
}

async function main(): Promise<void> {
  await fs.rm(WORK, { recursive: true, force: true });
  await fs.mkdir(WORK, { recursive: true });
  say(`Yaddaş derivative benchmark — ${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}`);
  const one = path.resolve(HERE, 'derive-one.js');
  const a4 = path.join(WORK, 'a4.tif');
  await scanLikePage({ width: 4960, height: 7016, seed: 1, dpi: 600, file: a4 });
  const ours = await measure(process.execPath, [one, a4, path.join(WORK, 'ours')]);
  const v1 = await measure('vipsthumbnail', [a4, '-s', '320', '-o', `${path.join(WORK, 'v-thumb.jpg')}[Q=85]`]);
  const v2 = await measure('vipsthumbnail', [a4, '-s', '2000', '-o', `${path.join(WORK, 'v-access.jpg')}[Q=85]`]);
  const v3 = await measure('vips', [
    'dzsave',
    a4,
    path.join(WORK, 'v-iiif'),
    '--layout',
    'iiif3',
    '--tile-size',
    '512',
    '--suffix',
    '.jpg[Q=85]',
  ]);
  const vips = v1.s + v2.s + v3.s;
  say(
    `A4 600 dpi (4960×7016): Yaddaş ${ours.s.toFixed(2)} s (peak ${ours.mb.toFixed(0)} MB), vips CLI ${vips.toFixed(2)} s (thumbnail ${v1.s.toFixed(2)} + access ${v2.s.toFixed(2)} + dzsave ${v3.s.toFixed(2)})  ${ours.s <= vips ? 'PASS' : 'MISS'} (target: no slower than vips)`,
  );
  say('  (Yaddaş also writes every IIIF size and full/max, which dzsave does not)');

  if (process.env.BENCH_SKIP_MAP !== '1') {
    const map = path.join(WORK, 'map.tif');
    await sharp({
      limitInputPixels: false,
      create: { width: 20000, height: 25000, channels: 3, background: '#d8cfb0', noise: { type: 'gaussian', mean: 200, sigma: 20 } },
    })
      .tiff({ compression: 'lzw', tile: true, tileWidth: 256, tileHeight: 256 })
      .toFile(map);
    const m = await measure(process.execPath, [one, map, path.join(WORK, 'map-out')]);
    const vm = await measure('vips', [
      'dzsave',
      map,
      path.join(WORK, 'v-map'),
      '--layout',
      'iiif3',
      '--tile-size',
      '512',
      '--suffix',
      '.jpg[Q=85]',
    ]);
    say(
      `map 20000×25000: Yaddaş ${m.s.toFixed(1)} s, peak ${m.mb.toFixed(0)} MB ${m.mb < 1024 ? 'PASS' : 'MISS'} (target < 1 GB); vips dzsave alone ${vm.s.toFixed(1)} s, peak ${vm.mb.toFixed(0)} MB`,
    );
  }
  if (!process.argv.includes('--keep')) await fs.rm(WORK, { recursive: true, force: true });
}

await main();
