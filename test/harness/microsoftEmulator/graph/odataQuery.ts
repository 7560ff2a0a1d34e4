/**
 * The OData query options the mail API uses (learn.microsoft.com/graph/query-parameters): a `$filter` subset (eq, ne,
 * gt, ge, lt, le, and, or, not, parentheses, `collection/any(x: …)` lambdas), `$select`, `$expand` with a nested
 * `$filter`, and `$top`/`$skip`/`$count` paging. Anything outside the subset is refused with 400 rather than guessed at.
 */
import { normalizePropertyId } from './extendedProperties';

type Literal = string | number | boolean | null;

type FilterExpression =
	| { kind: 'and' | 'or'; left: FilterExpression; right: FilterExpression }
	| { kind: 'not'; operand: FilterExpression }
	| { kind: 'compare'; path: string[]; op: string; value: Literal; quoted: boolean }
	| { kind: 'any'; collection: string[]; variable: string; body: FilterExpression };

export class QueryError extends Error {}

const OPERATORS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

function tokenize(text: string): string[] {
	const tokens: string[] = [];
	let index = 0;
	while (index < text.length) {
		const char = text[index];
		if (/\s/.test(char)) {
			index += 1;
		} else if (char === "'") {
			let value = "'";
			index += 1;
			for (;;) {
				if (index >= text.length) throw new QueryError('Unterminated string literal.');
				if (text[index] === "'") {
					if (text[index + 1] === "'") {
						value += "''";
						index += 2;
						continue;
					}
					value += "'";
					index += 1;
					break;
				}
				value += text[index];
				index += 1;
			}
			tokens.push(value);
		} else if ('():,'.includes(char)) {
			tokens.push(char);
			index += 1;
		} else {
			const match = /^[^\s():,']+/.exec(text.slice(index));
			if (!match) throw new QueryError(`Unexpected character ${char}.`);
			tokens.push(match[0]);
			index += match[0].length;
		}
	}
	return tokens;
}

class FilterParser {
	private position = 0;

	constructor(private readonly tokens: string[]) {}

	parse(): FilterExpression {
		const expression = this.parseOr();
		if (this.position !== this.tokens.length) throw new QueryError('Invalid filter clause');
		return expression;
	}

	private peek(): string | undefined {
		return this.tokens[this.position];
	}

	private next(): string {
		const token = this.tokens[this.position];
		if (token === undefined) throw new QueryError('Invalid filter clause');
		this.position += 1;
		return token;
	}

	private expect(token: string): void {
		if (this.next() !== token) throw new QueryError('Invalid filter clause');
	}

	private parseOr(): FilterExpression {
		let left = this.parseAnd();
		while (this.peek()?.toLowerCase() === 'or') {
			this.next();
			left = { kind: 'or', left, right: this.parseAnd() };
		}
		return left;
	}

	private parseAnd(): FilterExpression {
		let left = this.parseUnary();
		while (this.peek()?.toLowerCase() === 'and') {
			this.next();
			left = { kind: 'and', left, right: this.parseUnary() };
		}
		return left;
	}

	private parseUnary(): FilterExpression {
		if (this.peek()?.toLowerCase() === 'not') {
			this.next();
			return { kind: 'not', operand: this.parseUnary() };
		}
		if (this.peek() === '(') {
			this.next();
			const inner = this.parseOr();
			this.expect(')');
			return inner;
		}
		const path = this.next();
		// A lambda: `singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')` (any is case-insensitive).
		const lambda = /^(.+)\/any$/i.exec(path);
		if (lambda && this.peek() === '(') {
			this.next();
			const variable = this.next();
			this.expect(':');
			const body = this.parseOr();
			this.expect(')');
			return { kind: 'any', collection: lambda[1].split('/'), variable, body };
		}
		const op = this.next().toLowerCase();
		if (!OPERATORS.includes(op)) throw new QueryError('Invalid filter clause');
		const raw = this.next();
		const quoted = raw.startsWith("'");
		return { kind: 'compare', path: path.split('/'), op, value: literal(raw), quoted };
	}
}

function literal(raw: string): Literal {
	if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
	const lower = raw.toLowerCase();
	if (lower === 'true') return true;
	if (lower === 'false') return false;
	if (lower === 'null') return null;
	if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
	// Unquoted DateTimeOffset literals (receivedDateTime ge 2020-01-01T00:00:00Z) compare as ISO strings.
	if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(raw))
		return new Date(raw).toISOString();
	throw new QueryError('Invalid filter clause');
}

export function parseFilter(text: string): FilterExpression {
	return new FilterParser(tokenize(text)).parse();
}

function resolvePath(path: string[], scope: Record<string, unknown>): unknown {
	let value: unknown = scope;
	for (const segment of path) {
		if (typeof value !== 'object' || value === null) return undefined;
		const record = value as Record<string, unknown>;
		const key = Object.keys(record).find((name) => name.toLowerCase() === segment.toLowerCase());
		value = key === undefined ? undefined : record[key];
	}
	return value;
}

function compare(actual: unknown, op: string, expected: Literal, isPropertyId: boolean): boolean {
	let left = actual;
	let right: unknown = expected;
	// Exchange compares strings without regard to case; extended property ids also by their normal form.
	if (typeof left === 'string' && typeof right === 'string') {
		left = isPropertyId ? normalizePropertyId(left) : left.toLowerCase();
		right = isPropertyId ? normalizePropertyId(right) : right.toLowerCase();
		if (/^\d{4}-\d{2}-\d{2}t/.test(left as string) && /^\d{4}-\d{2}-\d{2}t/.test(right as string)) {
			left = new Date(actual as string).getTime();
			right = new Date(expected as string).getTime();
		}
	}
	if (left === undefined) left = null;
	switch (op) {
		case 'eq':
			return left === right;
		case 'ne':
			return left !== right;
		case 'gt':
			return (left as number) > (right as number);
		case 'ge':
			return (left as number) >= (right as number);
		case 'lt':
			return (left as number) < (right as number);
		default:
			return (left as number) <= (right as number);
	}
}

/** Evaluates a parsed filter against one entity's JSON representation (lambda variables are bound in `scope`). */
export function matchesFilter(
	expression: FilterExpression,
	scope: Record<string, unknown>,
	inExtendedProperties = false,
): boolean {
	switch (expression.kind) {
		case 'and':
			return (
				matchesFilter(expression.left, scope, inExtendedProperties) &&
				matchesFilter(expression.right, scope, inExtendedProperties)
			);
		case 'or':
			return (
				matchesFilter(expression.left, scope, inExtendedProperties) ||
				matchesFilter(expression.right, scope, inExtendedProperties)
			);
		case 'not':
			return !matchesFilter(expression.operand, scope, inExtendedProperties);
		case 'any': {
			const items = resolvePath(expression.collection, scope);
			if (!Array.isArray(items)) return false;
			const extended = /extendedproperties$/i.test(expression.collection.at(-1) ?? '');
			return items.some((item) =>
				matchesFilter(expression.body, { ...scope, [expression.variable]: item }, extended),
			);
		}
		default: {
			const isPropertyId = inExtendedProperties && expression.path.at(-1)?.toLowerCase() === 'id';
			return compare(
				resolvePath(expression.path, scope),
				expression.op,
				expression.value,
				isPropertyId,
			);
		}
	}
}

export interface ExpandOption {
	name: string;
	filter: FilterExpression | null;
}

/** `$expand=singleValueExtendedProperties($filter=id eq '…'),attachments`. */
export function parseExpand(text: string | null): ExpandOption[] {
	if (!text) return [];
	const options: ExpandOption[] = [];
	let index = 0;
	while (index < text.length) {
		const nameMatch = /^\s*([A-Za-z]+)\s*/.exec(text.slice(index));
		if (!nameMatch) throw new QueryError(`Invalid $expand: ${text}`);
		index += nameMatch[0].length;
		let filter: FilterExpression | null = null;
		if (text[index] === '(') {
			let depth = 0;
			let end = index;
			for (; end < text.length; end += 1) {
				if (text[end] === '(') depth += 1;
				if (text[end] === ')') depth -= 1;
				if (depth === 0) break;
			}
			const inner = text.slice(index + 1, end);
			const filterMatch = /^\s*\$filter=(.*)$/is.exec(inner);
			if (!filterMatch) throw new QueryError(`Invalid $expand option: ${inner}`);
			filter = parseFilter(filterMatch[1]);
			index = end + 1;
		}
		options.push({ name: nameMatch[1], filter });
		const comma = /^\s*,/.exec(text.slice(index));
		if (comma) index += comma[0].length;
		else if (index < text.length) throw new QueryError(`Invalid $expand: ${text}`);
	}
	return options;
}

export function parseSelect(text: string | null): string[] | null {
	if (!text) return null;
	return text
		.split(',')
		.map((name) => name.trim())
		.filter((name) => name.length > 0);
}

export interface Paging {
	top: number;
	skip: number;
	count: boolean;
}

/**
 * $top/$skip: the mail API's default page is 10 items and `$top` goes up to 1000 for messages
 * (learn.microsoft.com/graph/paging: "the default page size … Outlook messages is 10", user-list-messages "$top …
 * between 1 and 1000"). Larger values are refused here rather than silently capped (the docs are silent on which).
 */
export function parsePaging(query: URLSearchParams, defaultTop = 10, maxTop = 1000): Paging {
	const topText = query.get('$top');
	const skipText = query.get('$skip');
	const top = topText === null ? defaultTop : Number(topText);
	const skip = skipText === null ? 0 : Number(skipText);
	if (!Number.isInteger(top) || top < 1 || top > maxTop)
		throw new QueryError(`The value of $top must be between 1 and ${maxTop}.`);
	if (!Number.isInteger(skip) || skip < 0) throw new QueryError('Invalid $skip.');
	return { top, skip, count: query.get('$count')?.toLowerCase() === 'true' };
}

/**
 * One page of a collection with @odata.nextLink carrying every other query option and the next $skip, as Graph's
 * server-side paging does (learn.microsoft.com/graph/paging: the nextLink is opaque and includes the query).
 */
export function page<T>(
	items: T[],
	paging: Paging,
	selfUrl: string,
	query: URLSearchParams,
): { value: T[]; '@odata.nextLink'?: string; '@odata.count'?: number } {
	const slice = items.slice(paging.skip, paging.skip + paging.top);
	const result: { value: T[]; '@odata.nextLink'?: string; '@odata.count'?: number } = {
		value: slice,
	};
	if (paging.count) result['@odata.count'] = items.length;
	if (paging.skip + paging.top < items.length) {
		const next = new URLSearchParams(query);
		next.set('$top', String(paging.top));
		next.set('$skip', String(paging.skip + paging.top));
		result['@odata.nextLink'] = `${selfUrl}?${next.toString()}`;
	}
	return result;
}
