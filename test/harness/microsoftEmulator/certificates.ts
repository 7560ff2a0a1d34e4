/** Key material of the emulator: its TLS certificate for 127.0.0.1, its token-signing key, and app certificates for tests. */
import crypto from 'node:crypto';

import { LOOPBACK_SERVER, selfSigned, type SelfSigned } from '../selfSignedCertificates';

/**
 * The same self-signed localhost/127.0.0.1 certificate the Dovecot harness makes; being self-signed it is its own CA,
 * so a client trusts it by passing it as `ca` (MicrosoftApp.trustedCaPem).
 */
export function generateServerTls(): SelfSigned {
	return selfSigned(LOOPBACK_SERVER);
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
	const { certPem, keyPem } = selfSigned({ key: 'rsa', commonName });
	return { certificatePem: certPem, privateKeyPem: keyPem, ...thumbprintsOf(certPem) };
}
