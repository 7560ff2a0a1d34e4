/**
 * A counting TCP proxy on 127.0.0.1 for the limited runs of the benchmark: forwards to a server and timestamps every
 * chunk sent to it (upstream), so the rate the server actually receives can be measured over any span.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

import type { Sample } from './rates';

export interface WireMeter {
	port: number;
	/** Chunks client → server since the last reset(): performance.now() and bytes. */
	upstream: Sample[];
	reset(): void;
	close(): Promise<void>;
}

export async function startWireMeter(
	serverPort: number,
	serverHost = '127.0.0.1',
): Promise<WireMeter> {
	const sockets = new Set<net.Socket>();
	const meter: WireMeter = {
		port: 0,
		upstream: [],
		reset: () => {
			meter.upstream = [];
		},
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			}),
	};
	const server = net.createServer((client) => {
		const upstream = net.connect(serverPort, serverHost);
		sockets.add(client).add(upstream);
		client.on('data', (chunk: Buffer) => {
			meter.upstream.push({ at: performance.now(), units: chunk.length });
			if (!upstream.write(chunk)) client.pause();
		});
		upstream.on('drain', () => client.resume());
		upstream.on('data', (chunk: Buffer) => {
			if (!client.write(chunk)) upstream.pause();
		});
		client.on('drain', () => upstream.resume());
		const end = () => {
			client.destroy();
			upstream.destroy();
			sockets.delete(client);
			sockets.delete(upstream);
		};
		client.on('close', end).on('error', end);
		upstream.on('close', end).on('error', end);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	meter.port = (server.address() as net.AddressInfo).port;
	return meter;
}
