/** Key material of the emulator: its TLS certificate for 127.0.0.1, its token-signing key, and app certificates for tests. */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { generateCertificate } from '../dovecotConfig';

export interface ServerTls {
	certPem: string;
	keyPem: string;
}

/**
 * The same self-signed localhost/127.0.0.1 certificate the Dovecot harness makes; being self-signed it is its own CA,
 * so a client trusts it by passing it as `ca` (MicrosoftApp.trustedCaPem).
 */
export function generateServerTls(): ServerTls {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-emulator-tls-'));
	try {
		const certPem = generateCertificate(dir);
		return { certPem, keyPem: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8') };
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

export interface CertificateThumbprints {
	/** Hex SHA-1 of the DER certificate: the "Thumbprint" the Entra portal shows, sent as `x5t`. */
	sha1: string;
	/** Hex SHA-256 of the DER certificate, sent as `x5t#S256`. */
	sha256: string;
}

export function thumbprintsOf(certificatePem: string): CertificateThumbprints {
	const der = new crypto.X509Certificate(certificatePem).raw;
	return {
		sha1: crypto.createHash('sha1').update(der).digest('hex').toUpperCase(),
		sha256: crypto.createHash('sha256').update(der).digest('hex').toUpperCase(),
	};
}

export interface AppCertificate extends CertificateThumbprints {
	certificatePem: string;
	privateKeyPem: string;
}

/** An RSA key and self-signed certificate such as an admin uploads to an app registration (client assertions are RS256/PS256). */
export function generateAppCertificate(commonName = 'mailbox-migration-app'): AppCertificate {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ms-app-cert-'));
	try {
		const key = path.join(dir, 'key.pem');
		const cert = path.join(dir, 'cert.pem');
		execFileSync(
			'openssl',
			[
				'req',
				'-x509',
				'-newkey',
				'rsa:2048',
				'-nodes',
				'-days',
				'30',
				'-subj',
				`/CN=${commonName}`,
				'-keyout',
				key,
				'-out',
				cert,
			],
			{ stdio: ['ignore', 'ignore', 'pipe'] },
		);
		const certificatePem = fs.readFileSync(cert, 'utf8');
		return {
			certificatePem,
			privateKeyPem: fs.readFileSync(key, 'utf8'),
			...thumbprintsOf(certificatePem),
		};
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}
