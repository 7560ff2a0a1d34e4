import {
	DEFAULT_PASSWORD_LENGTH,
	generatePassword,
	PASSWORD_ALPHABETS,
} from '../../../nodes/lib/provisioning/password';

const kinds = Object.values(PASSWORD_ALPHABETS);

describe('generated passwords', () => {
	it('have every kind of character Entra counts, the length asked for, and nothing outside the alphabets', () => {
		for (const length of [12, DEFAULT_PASSWORD_LENGTH, 40, 128]) {
			for (let round = 0; round < 200; round++) {
				const password = generatePassword(length);
				expect(password).toHaveLength(length);
				for (const kind of kinds) expect([...password].some((c) => kind.includes(c))).toBe(true);
				expect([...password].every((c) => kinds.join('').includes(c))).toBe(true);
			}
		}
	});

	it('leave out characters people misread', () => {
		expect(kinds.join('')).not.toMatch(/[0O1lI]/);
	});

	it('come from the random source, every draw within its bound', () => {
		const bounds: number[] = [];
		const zero = generatePassword(12, (max) => {
			bounds.push(max);
			return 0;
		});
		// One draw per character and one per shuffle step, each within its alphabet or position.
		expect(bounds).toHaveLength(12 + 11);
		expect(zero).toHaveLength(12);
		const seen = new Set(Array.from({ length: 500 }, () => generatePassword()));
		expect(seen.size).toBe(500);
	});

	it('refuse a length outside 12 to 128', () => {
		expect(() => generatePassword(8)).toThrow(RangeError);
		expect(() => generatePassword(129)).toThrow(RangeError);
	});
});
