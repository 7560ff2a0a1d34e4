/**
 * MSAL's network module (`system.networkClient`): node https, trusting `trustedCaPem` besides the public roots so an
 * overridden login URL (emulator, proxy) may use a private CA. It remembers the last failure, because MSAL replaces a
 * failed discovery with a bare `openid_config_error` and a network error with `network_error`, losing the cause.
 */
import https from 'node:https';

import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

import { trustedCas } from './trustedCa';

export type LoginFailure =
	| { kind: 'network'; url: string; message: string }
	| { kind: 'http'; url: string; status: number; body: unknown };

const DEFAULT_TIMEOUT_MS = 15_000;

export class LoginHttpClient implements INetworkModule {
	lastFailure: LoginFailure | undefined;

	private readonly ca: string[] | undefined;

	constructor(trustedCaPem?: string) {
		this.ca = trustedCas(trustedCaPem);
	}

	sendGetRequestAsync<T>(
		url: string,
		options?: NetworkRequestOptions,
		timeout?: number,
	): Promise<NetworkResponse<T>> {
		return this.send<T>('GET', url, options, timeout);
	}

	sendPostRequestAsync<T>(
		url: string,
		options?: NetworkRequestOptions,
	): Promise<NetworkResponse<T>> {
		return this.send<T>('POST', url, options);
	}

	private send<T>(
		method: 'GET' | 'POST',
		url: string,
		options: NetworkRequestOptions | undefined,
		timeout = DEFAULT_TIMEOUT_MS,
	): Promise<NetworkResponse<T>> {
		return new Promise((resolve, reject) => {
			const fail = (message: string) => {
				this.lastFailure = { kind: 'network', url, message };
				reject(new Error(message));
			};
			const request = https.request(
				url,
				{ method, headers: options?.headers, ca: this.ca, timeout },
				(response) => {
					const chunks: Buffer[] = [];
					response.on('data', (chunk: Buffer) => chunks.push(chunk));
					response.on('error', (error) => fail(error.message));
					response.on('end', () => {
						const status = response.statusCode ?? 0;
						let body: unknown;
						try {
							body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
						} catch {
							this.lastFailure = { kind: 'http', url, status, body: undefined };
							reject(new Error(`${new URL(url).host} answered HTTP ${status} without JSON`));
							return;
						}
						if (status >= 400) this.lastFailure = { kind: 'http', url, status, body };
						const headers: Record<string, string> = {};
						for (const [name, value] of Object.entries(response.headers)) {
							if (value !== undefined)
								headers[name] = Array.isArray(value) ? value.join(', ') : value;
						}
						resolve({ headers, body: body as T, status });
					});
				},
			);
			request.on('timeout', () => request.destroy(new Error(`no answer within ${timeout} ms`)));
			request.on('error', (error: NodeJS.ErrnoException) =>
				fail(`${new URL(url).host}: ${error.code ? `${error.code} ` : ''}${error.message}`),
			);
			if (method === 'POST') request.write(options?.body ?? '');
			request.end();
		});
	}
}
