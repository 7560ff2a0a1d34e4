/** A fresh key and a self-signed certificate from openssl, for the harness servers and for test app registrations. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SelfSignedOptions {
	/** An EC key is generated in milliseconds; RSA where the other side insists on it (client assertions: RS256/PS256). */
	key: 'ec' | 'rsa';
	commonName: string;
	/** subjectAltName entries, e.g. `DNS:localhost`. */
	altNames?: string[];
}

/** What every loopback server of the harness presents (Dovecot, the Microsoft emulator). */
export const LOOPBACK_SERVER: SelfSignedOptions = {
	key: 'ec',
	commonName: 'localhost',
	altNames: ['DNS:localhost', 'IP:127.0.0.1'],
};

const KEY_ARGS = {
	ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
	rsa: ['-newkey', 'rsa:2048'],
};

/** Writes `key.pem` (mode 0600) and `cert.pem` into `dir` (created if missing); returns the certificate's PEM. */
export function writeSelfSigned(dir: string, options: SelfSignedOptions): string {
	fs.mkdirSync(dir, { recursive: true });
	const key = path.join(dir, 'key.pem');
	const cert = path.join(dir, 'cert.pem');
	const altNames = options.altNames ?? [];
	execFileSync(
		'openssl',
		[
			'req',
			'-x509',
			...KEY_ARGS[options.key],
			'-nodes',
			'-days',
			'30',
			'-subj',
			`/CN=${options.commonName}`,
			...(altNames.length > 0 ? ['-addext', `subjectAltName=${altNames.join(',')}`] : []),
			'-keyout',
			key,
			'-out',
			cert,
		],
		{ stdio: ['ignore', 'ignore', 'pipe'] },
	);
	fs.chmodSync(key, 0o600);
	return fs.readFileSync(cert, 'utf8');
}

export interface SelfSigned {
	certPem: string;
	keyPem: string;
}

/** The same, kept in memory only: the files live in a temp dir for as long as openssl needs them. */
export function selfSigned(options: SelfSignedOptions): SelfSigned {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-cert-'));
	try {
		const certPem = writeSelfSigned(dir, options);
		return { certPem, keyPem: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}
