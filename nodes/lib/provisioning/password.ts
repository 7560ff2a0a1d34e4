/**
 * Generated initial passwords. Microsoft Entra requires 8–256 characters with three of the four kinds lower case,
 * upper case, digits and symbols (learn.microsoft.com/entra/identity/authentication/concept-password-policies,
 * "Password policies that only apply to cloud user accounts"); LDAP servers' ppolicy checks are of the same sort.
 * Every generated password holds all four kinds, from crypto.randomInt (a CSPRNG, no modulo bias), and leaves out
 * characters people misread when they type it from a welcome message (0/O, 1/l/I) and ones that need quoting.
 */
import crypto from 'node:crypto';

export const PASSWORD_ALPHABETS = {
	lower: 'abcdefghijkmnopqrstuvwxyz',
	upper: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
	digit: '23456789',
	symbol: '!#$%*+-=?@^_',
} as const;

export const DEFAULT_PASSWORD_LENGTH = 16;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 128;

/** A uniform integer in [0, max): crypto.randomInt unless a test passes another source. */
export type RandomInt = (max: number) => number;

export function generatePassword(
	length = DEFAULT_PASSWORD_LENGTH,
	randomInt: RandomInt = (max) => crypto.randomInt(max),
): string {
	if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
		throw new RangeError(
			`a generated password has ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters, not ${length}`,
		);
	}
	const alphabets = Object.values(PASSWORD_ALPHABETS);
	const all = alphabets.join('');
	const pick = (alphabet: string) => alphabet[randomInt(alphabet.length)];
	// One of each kind, the rest from all of them, then shuffled (Fisher–Yates) so the kinds sit anywhere.
	const characters = [
		...alphabets.map(pick),
		...Array.from({ length: length - alphabets.length }, () => pick(all)),
	];
	for (let index = characters.length - 1; index > 0; index--) {
		const other = randomInt(index + 1);
		[characters[index], characters[other]] = [characters[other], characters[index]];
	}
	return characters.join('');
}
