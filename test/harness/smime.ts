/**
 * S/MIME messages made by openssl for tests: a throwaway self-signed identity (anna@example.com) in a folder of its
 * own, and one MIME entity to sign or encrypt with it.
 *
 *   const smime = smimeIdentity('Content-Type: text/plain\r\n\r\nSigned text.\r\n');
 *   const signed = Buffer.concat([Buffer.from(headers), smime.sign('-binary')]);
 *   smime.remove();
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SmimeIdentity {
	/** Holds key.pem, cert.pem and content.txt; files written here are found by `openssl`. */
	dir: string;
	/** openssl run in `dir`; what it printed, as it printed it. */
	openssl(...args: string[]): Buffer;
	/** The content signed: detached (`-binary`, multipart/signed) or opaque (`-nodetach`, application/pkcs7-mime). */
	sign(mode: '-binary' | '-nodetach'): Buffer;
	/** The content encrypted to the identity's certificate. */
	encrypt(): Buffer;
	remove(): void;
}

/** `content` is the MIME entity to sign or encrypt: its headers, a blank line, its body. */
export function smimeIdentity(content: string): SmimeIdentity {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smime-'));
	const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
	openssl(
		'req',
		'-x509',
		'-newkey',
		'rsa:2048',
		'-nodes',
		'-subj',
		'/CN=anna@example.com',
		'-days',
		'2',
		'-keyout',
		'key.pem',
		'-out',
		'cert.pem',
	);
	fs.writeFileSync(path.join(dir, 'content.txt'), content);
	return {
		dir,
		openssl,
		sign: (mode) =>
			openssl(
				'smime',
				'-sign',
				'-in',
				'content.txt',
				'-signer',
				'cert.pem',
				'-inkey',
				'key.pem',
				mode,
			),
		encrypt: () => openssl('smime', '-encrypt', '-aes256', '-in', 'content.txt', 'cert.pem'),
		remove: () => fs.rmSync(dir, { recursive: true, force: true }),
	};
}
