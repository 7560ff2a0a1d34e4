import { uploadSessionRequestJson } from '../../../nodes/lib/graph/graphAttachments';
import { sourceKeyFilter, systemTime } from '../../../nodes/lib/graph/graphProperties';

describe('Graph property helpers', () => {
	it('filters by the source key named property, quoting OData literals', () => {
		expect(sourceKeyFilter("ab'c")).toBe(
			"singleValueExtendedProperties/Any(ep: ep/id eq 'String {e5a4b1c2-5d3f-4b8e-9a6c-2f7d1e0b3a91} Name MailboxMigrationSourceKey' and ep/value eq 'ab''c')",
		);
	});

	it('writes SystemTime values in UTC to the second', () => {
		expect(systemTime(Date.UTC(2019, 0, 3, 10, 30, 0, 999))).toBe('2019-01-03T10:30:00Z');
	});

	it('describes an upload session attachment as Graph documents attachmentItem', () => {
		expect(
			uploadSessionRequestJson({
				name: 'video.mp4',
				contentType: 'video/mp4',
				size: 20_000_000,
				isInline: false,
				contentId: null,
				content: Buffer.alloc(0),
			}),
		).toEqual({
			AttachmentItem: {
				attachmentType: 'file',
				name: 'video.mp4',
				size: 20_000_000,
				contentType: 'video/mp4',
				isInline: false,
			},
		});
	});
});
