/**
 * Fault injection for crash tests, loaded with `node --import` into a worker process (never part
 * of the product): the process kills itself with SIGKILL right after the S3 PutObject of the first
 * key that matches YADDAS_TEST_KILL_AFTER_PUT has succeeded, the exact moment between two writes
 * that a power cut or an OOM kill could choose.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const pattern = process.env.YADDAS_TEST_KILL_AFTER_PUT ? new RegExp(process.env.YADDAS_TEST_KILL_AFTER_PUT) : null;
if (pattern) {
  const send = S3Client.prototype.send;
  S3Client.prototype.send = async function (command, ...rest) {
    const out = await send.call(this, command, ...rest);
    if (command instanceof PutObjectCommand && pattern.test(command.input.Key)) process.kill(process.pid, 'SIGKILL');
    return out;
  };
}
