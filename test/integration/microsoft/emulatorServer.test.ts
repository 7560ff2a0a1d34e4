/**
 * The emulator outlives its clients: a client killed mid-request (as the crash tests kill -9 the migration mid-upload)
 * must not take the emulator, or the test process, down with it.
 */
import https from 'node:https';
import tls from 'node:tls';

import { startMicrosoftEmulator, type MicrosoftEmulator } from '../../harness/microsoftEmulator';

describe('the Microsoft emulator server', () => {
	let emulator: MicrosoftEmulator;

	beforeAll(async () => {
		emulator = await startMicrosoftEmulator();
	});
	afterAll(async () => {
		await emulator.stop();
	});

	const port = () => Number(new URL(emulator.baseUrl).port);

	const status = (path: string): Promise<number> =>
		new Promise((resolve, reject) => {
			https
				.get(`${emulator.baseUrl}${path}`, { ca: emulator.caPem }, (response) => {
					response.resume();
					resolve(response.statusCode ?? 0);
				})
				.on('error', reject);
		});

	it('goes on serving after a client disconnects halfway through a request body', async () => {
		const unhandled: unknown[] = [];
		const note = (reason: unknown) => unhandled.push(reason);
		process.on('unhandledRejection', note);
		try {
			await new Promise<void>((resolve, reject) => {
				const socket = tls.connect({ host: '127.0.0.1', port: port(), ca: emulator.caPem }, () => {
					socket.write(
						'PUT /v1.0/users/x/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n' +
							'x'.repeat(1000),
					);
					// Half a body, then gone: the server's read of the body ends with "aborted".
					setImmediate(() => {
						socket.destroy();
						resolve();
					});
				});
				socket.on('error', reject);
			});
			// Requests are served in order of arrival on one event loop: once this answer is in, the aborted one was handled.
			expect(await status(`/${emulator.tenantId}/v2.0/.well-known/openid-configuration`)).toBe(200);
			await new Promise((resolve) => setImmediate(resolve));
			expect(unhandled).toEqual([]);
		} finally {
			process.off('unhandledRejection', note);
		}
	});
});
