import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type SyslogMessage = {
  pri: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  msg: string;
};

// RFC 5424 §6: HEADER SP STRUCTURED-DATA [SP MSG]; SD here is one or more [..] elements.
const RFC5424 = /^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: ([\s\S]*))?$/;

/** Parses one RFC 5424 message; throws when it is not one. */
export function parseRfc5424(text: string): SyslogMessage {
  const m = RFC5424.exec(text);
  if (!m) throw new Error(`not an RFC 5424 message: ${text.slice(0, 80)}`);
  const msg = m[9] ?? '';
  return {
    pri: Number(m[1]),
    version: Number(m[2]),
    timestamp: m[3] as string,
    hostname: m[4] as string,
    appName: m[5] as string,
    procId: m[6] as string,
    msgId: m[7] as string,
    structuredData: m[8] as string,
    // The BOM marks MSG as UTF-8 (§6.4).
    msg: msg.startsWith('\uFEFF') ? msg.slice(1) : msg,
  };
}

/**
 * A syslog collector on loopback, TCP with octet-counting framing (RFC 6587 §3.4.1):
 * `MSG-LEN SP SYSLOG-MSG`, lengths in octets. Frames that do not parse are kept in `errors`.
 */
export async function startSyslogListener() {
  const messages: SyslogMessage[] = [];
  const errors: string[] = [];
  let server: Server | null = null;
  let port = 0;
  const sockets = new Set<Socket>();

  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        let buffer = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          buffer = Buffer.concat([buffer, chunk]);
          for (;;) {
            const space = buffer.indexOf(0x20);
            if (space < 0) break;
            const lengthText = buffer.subarray(0, space).toString('ascii');
            if (!/^[1-9]\d{0,8}$/.test(lengthText)) {
              errors.push(`bad frame length "${lengthText}"`);
              socket.destroy();
              return;
            }
            const length = Number(lengthText);
            if (buffer.length < space + 1 + length) break;
            const frame = buffer.subarray(space + 1, space + 1 + length).toString('utf8');
            buffer = buffer.subarray(space + 1 + length);
            try {
              messages.push(parseRfc5424(frame));
            } catch (err) {
              errors.push((err as Error).message);
            }
          }
        });
        socket.on('error', () => undefined);
      });
      (server as Server).listen(port, '127.0.0.1', () => {
        port = ((server as Server).address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();

  return {
    port: () => port,
    messages,
    errors,
    async down() {
      const s = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    up: listen,
    async close() {
      await this.down();
    },
  };
}
