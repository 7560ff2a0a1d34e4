/** Reading a Graph creation plan back in tests: its extended properties and every attachment with its bytes. */
import type { GraphMessagePlan } from '../../../nodes/lib/graph/graphMessagePlan';

export interface PlannedAttachment {
	name: string;
	contentType: string;
	isInline: boolean;
	contentId: string | null;
	content: Buffer;
	/** Where it travels: in the create request or added afterwards. */
	via: 'create' | 'upload';
}

export function propertiesOf(plan: GraphMessagePlan): Record<string, string> {
	const list = plan.create.singleValueExtendedProperties as { id: string; value: string }[];
	const byId: Record<string, string> = {};
	for (const property of list) {
		if (property.id in byId) throw new Error(`property ${property.id} set twice`);
		byId[property.id] = property.value;
	}
	return byId;
}

export function attachmentsOf(plan: GraphMessagePlan): PlannedAttachment[] {
	const inline = (plan.create.attachments ?? []) as Record<string, unknown>[];
	return [
		...inline.map((attachment) => {
			expect(attachment['@odata.type']).toBe('#microsoft.graph.fileAttachment');
			return {
				name: attachment.name as string,
				contentType: attachment.contentType as string,
				isInline: attachment.isInline as boolean,
				contentId: (attachment.contentId as string | undefined) ?? null,
				content: Buffer.from(attachment.contentBytes as string, 'base64'),
				via: 'create' as const,
			};
		}),
		...plan.uploads.map((upload) => {
			expect(upload.size).toBe(upload.content.length);
			return {
				name: upload.name,
				contentType: upload.contentType,
				isInline: upload.isInline,
				contentId: upload.contentId,
				content: upload.content,
				via: 'upload' as const,
			};
		}),
	];
}

export const recipient = (address: string, name = address) => ({ emailAddress: { name, address } });
