// A throwaway self-signed certificate for the examples' local TLS servers (dev dependency
// `selfsigned`); clients trust it by passing it as `ca`.
import { generate } from 'selfsigned';

/** A fresh self-signed certificate for `localhost` and 127.0.0.1, with its private key. */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
