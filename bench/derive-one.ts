// One page's derivatives in a fresh process, as the derive stage makes them (for the benchmark:
// its wall time and peak memory are measured from outside, like the vips CLI's).
import { makeDerivatives } from '../src/adapters/derivatives.js';
import { loadConfig } from '../src/config/load.js';

const [master, out] = process.argv.slice(2);
if (!master || !out) throw new Error('usage: derive-one MASTER OUT_DIR');
const c = loadConfig({ env: { ...process.env, YADDAS_CONFIG_DIR: '/nonexistent' } });
const { full } = await makeDerivatives(master, out, { ...c.derive, serviceId: 'https://example.org/iiif', maxPixels: c.intake.maxPixels });
process.stdout.write(`${JSON.stringify(full)}\n`);
