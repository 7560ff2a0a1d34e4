/**
 * userPassword values hashed here, salted from a CSPRNG, so the directory only ever receives a hash:
 * - `{SSHA}`: base64(SHA-1(password + salt) + salt), slapd's own default scheme (RFC 2307 style, as slappasswd
 *   writes it); every slapd and Dovecot (passdb lookups) accept it.
 * - `{SSHA512}`: the same with SHA-512. slapd accepts it with the pw-sha2 module loaded (`olcModuleLoad: pw-sha2`,
 *   Debian ships it in /usr/lib/ldap), Dovecot natively.
 * - `{CRYPT}$6$…`: SHA-512-crypt (Drepper's "Unix crypt using SHA-256 and SHA-512", akkadia.org/drepper/SHA-crypt.txt);
 *   slapd checks `{CRYPT}` with the system's crypt(3), which on glibc/libxcrypt knows `$6$`; Dovecot natively.
 * A password must not hold NUL: crypt(3) and most directories cut it there.
 */
import crypto from 'node:crypto';

export type PasswordHashScheme = 'ssha' | 'ssha512' | 'sha512crypt';

export const PASSWORD_HASH_SCHEMES: readonly PasswordHashScheme[] = [
	'ssha',
	'ssha512',
	'sha512crypt',
];

const SSHA_SALT_BYTES = 8;
const SSHA512_SALT_BYTES = 16;
const CRYPT_SALT_LENGTH = 16;
const CRYPT_ROUNDS = 5000;
const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function saltedDigest(algorithm: string, prefix: string, password: string, salt: Buffer): string {
	const digest = crypto
		.createHash(algorithm)
		.update(Buffer.from(password, 'utf8'))
		.update(salt)
		.digest();
	return `${prefix}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** The userPassword value for `password` in this scheme; `salt` only for tests (a fresh random one otherwise). */
export function hashPassword(
	scheme: PasswordHashScheme,
	password: string,
	salt?: Buffer | string,
): string {
	if (password === '') throw new RangeError('an empty password cannot be hashed');
	if (password.includes('\0')) throw new RangeError('a password cannot hold NUL');
	switch (scheme) {
		case 'ssha':
			return saltedDigest(
				'sha1',
				'{SSHA}',
				password,
				Buffer.from(salt ?? crypto.randomBytes(SSHA_SALT_BYTES)),
			);
		case 'ssha512':
			return saltedDigest(
				'sha512',
				'{SSHA512}',
				password,
				Buffer.from(salt ?? crypto.randomBytes(SSHA512_SALT_BYTES)),
			);
		case 'sha512crypt':
			return `{CRYPT}${sha512Crypt(password, typeof salt === 'string' ? salt : cryptSalt())}`;
	}
}

function cryptSalt(): string {
	return Array.from(
		{ length: CRYPT_SALT_LENGTH },
		() => CRYPT_ALPHABET[crypto.randomInt(CRYPT_ALPHABET.length)],
	).join('');
}

const sha512 = (...parts: Buffer[]): Buffer => {
	const hash = crypto.createHash('sha512');
	for (const part of parts) hash.update(part);
	return hash.digest();
};

/** `length` bytes of `block` repeated (steps 16 and 20 of the specification). */
function repeated(block: Buffer, length: number): Buffer {
	return Buffer.concat(
		Array.from({ length: Math.ceil(length / block.length) }, () => block),
	).subarray(0, length);
}

/** The byte order of the final base-64 encoding (step 22 of the specification, SHA-512), then byte 63 alone. */
const CRYPT_ORDER: readonly (readonly [number, number, number])[] = [
	[0, 21, 42],
	[22, 43, 1],
	[44, 2, 23],
	[3, 24, 45],
	[25, 46, 4],
	[47, 5, 26],
	[6, 27, 48],
	[28, 49, 7],
	[50, 8, 29],
	[9, 30, 51],
	[31, 52, 10],
	[53, 11, 32],
	[12, 33, 54],
	[34, 55, 13],
	[56, 14, 35],
	[15, 36, 57],
	[37, 58, 16],
	[59, 17, 38],
	[18, 39, 60],
	[40, 61, 19],
	[62, 20, 41],
];

/** SHA-512-crypt with the default 5000 rounds: `$6$<salt>$<86 characters>`. */
export function sha512Crypt(password: string, salt: string): string {
	const key = Buffer.from(password, 'utf8');
	const saltBytes = Buffer.from(salt.slice(0, CRYPT_SALT_LENGTH), 'utf8');
	const alternate = sha512(key, saltBytes, key);
	const parts = [key, saltBytes, repeated(alternate, key.length)];
	for (let length = key.length; length > 0; length >>= 1) {
		parts.push(length & 1 ? alternate : key);
	}
	let digest = sha512(...parts);
	const pBytes = repeated(sha512(...Array.from({ length: key.length }, () => key)), key.length);
	const sBytes = repeated(
		sha512(...Array.from({ length: 16 + digest[0] }, () => saltBytes)),
		saltBytes.length,
	);
	for (let round = 0; round < CRYPT_ROUNDS; round++) {
		const next: Buffer[] = [round & 1 ? pBytes : digest];
		if (round % 3) next.push(sBytes);
		if (round % 7) next.push(pBytes);
		next.push(round & 1 ? digest : pBytes);
		digest = sha512(...next);
	}
	let encoded = '';
	const put = (value: number, characters: number) => {
		for (let index = 0; index < characters; index++, value >>= 6) {
			encoded += CRYPT_ALPHABET[value & 0x3f];
		}
	};
	for (const [a, b, c] of CRYPT_ORDER) put((digest[a] << 16) | (digest[b] << 8) | digest[c], 4);
	put(digest[63], 2);
	return `$6$${saltBytes.toString('utf8')}$${encoded}`;
}
