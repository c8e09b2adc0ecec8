import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software passkey for HTTP tests (no browser): a P-256 key, `none` attestation, answers to
 * stepguard's registration and authentication options exactly as a (hardware-bound, not
 * synced) authenticator would. The browser tests use Chromium's virtual authenticator instead.
 */
export function softPasskey(options: { rpID: string; origin: string }) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const credentialId = randomBytes(16);
  let signCount = 0;
  const rpIdHash = createHash('sha256').update(options.rpID).digest();
  const clientData = (type: string, challenge: string) =>
    Buffer.from(JSON.stringify({ type, challenge, origin: options.origin, crossOrigin: false }));
  const b64 = (b: Buffer) => b.toString('base64url');

  return {
    credentialId: b64(credentialId),
    /** The response to `POST .../webauthn/registration/options`'s answer. */
    register(creationOptions: { challenge: string }) {
      const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
      const coseKey = cborMap([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x, 'base64url')],
        [-3, Buffer.from(jwk.y, 'base64url')],
      ]);
      const counter = Buffer.alloc(4);
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(credentialId.length);
      // Flags: user present, user verified, attested credential data.
      const authData = Buffer.concat([rpIdHash, Buffer.from([0x45]), counter, Buffer.alloc(16), idLength, credentialId, coseKey]);
      const attestationObject = cborMap([
        ['fmt', 'none'],
        ['attStmt', { raw: cborMap([]) }],
        ['authData', authData],
      ]);
      return {
        id: b64(credentialId),
        rawId: b64(credentialId),
        type: 'public-key',
        response: { clientDataJSON: b64(clientData('webauthn.create', creationOptions.challenge)), attestationObject: b64(attestationObject), transports: ['usb'] },
        clientExtensionResults: {},
      };
    },
    /** The response to `POST .../webauthn/authentication/options`'s answer. */
    authenticate(requestOptions: { challenge: string }) {
      signCount += 1;
      const counter = Buffer.alloc(4);
      counter.writeUInt32BE(signCount);
      const authData = Buffer.concat([rpIdHash, Buffer.from([0x05]), counter]);
      const cd = clientData('webauthn.get', requestOptions.challenge);
      const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(cd).digest()]), privateKey as KeyObject);
      return {
        id: b64(credentialId),
        rawId: b64(credentialId),
        type: 'public-key',
        response: { clientDataJSON: b64(cd), authenticatorData: b64(authData), signature: b64(signature) },
        clientExtensionResults: {},
      };
    },
  };
}

type CborValue = number | string | Buffer | { raw: Buffer };

/** Just enough CBOR (RFC 8949) for a COSE key and an attestation object: small ints, text, bytes, maps. */
function cborMap(entries: [CborValue, CborValue][]): Buffer {
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

function cbor(value: CborValue): Buffer {
  if (typeof value === 'object' && !Buffer.isBuffer(value)) return value.raw;
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  return value >= 0 ? head(0, value) : head(1, -1 - value);
}

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  const b = Buffer.alloc(3);
  b[0] = (major << 5) | 25;
  b.writeUInt16BE(n, 1);
  return b;
}
