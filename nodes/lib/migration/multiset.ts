/** A bag of values grouped by key: take() hands each value out once, so duplicates match one to one. */
export class KeyedBag<T> {
	private readonly groups = new Map<string, T[]>();

	add(key: string, value: T): void {
		const group = this.groups.get(key);
		if (group) group.push(value);
		else this.groups.set(key, [value]);
	}

	peek(key: string): readonly T[] {
		return this.groups.get(key) ?? [];
	}

	take(key: string, accept: (value: T) => boolean = () => true): T | undefined {
		const group = this.groups.get(key);
		if (!group) return undefined;
		const index = group.findIndex(accept);
		if (index < 0) return undefined;
		const [value] = group.splice(index, 1);
		if (group.length === 0) this.groups.delete(key);
		return value;
	}

	get size(): number {
		let count = 0;
		for (const group of this.groups.values()) count += group.length;
		return count;
	}

	values(): T[] {
		return [...this.groups.values()].flat();
	}
}
