import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

/** One input item's result: its output, or why it failed (the router turns failures into n8n errors, in one place). */
export type ItemOutcome = IDataObject | Error;

/** What every operation exports: it runs for the given items and gives one outcome per item, in their order. */
export type OperationExecute = (
	this: IExecuteFunctions,
	itemIndexes: number[],
) => Promise<ItemOutcome[]>;

export function asError(error: unknown): Error {
	return error instanceof Error ? error : new Error(String(error));
}
