/**
 * Bytes a plan puts on the wire to Graph, for the per-mailbox upload budget (150 MB per 5 minutes, Graph's
 * throttling limits for Outlook): the create request, then per upload either its `POST .../attachments` JSON
 * (under 3 MB) or its upload-session request and PUT bodies.
 */
import {
	fileAttachmentJsonBytes,
	UPLOAD_SESSION_MIN_BYTES,
	uploadSessionRequestJson,
} from './graphAttachments';
import type { GraphMessagePlan, GraphUpload } from './graphMessagePlan';

export function uploadWireBytes(upload: GraphUpload): number {
	if (upload.size < UPLOAD_SESSION_MIN_BYTES) return fileAttachmentJsonBytes(upload);
	return Buffer.byteLength(JSON.stringify(uploadSessionRequestJson(upload))) + upload.size;
}

export function graphMessageSize(plan: GraphMessagePlan): {
	createBytes: number;
	uploadBytes: number;
	totalBytes: number;
} {
	const createBytes = Buffer.byteLength(JSON.stringify(plan.create));
	const uploadBytes = plan.uploads.reduce((sum, upload) => sum + uploadWireBytes(upload), 0);
	return { createBytes, uploadBytes, totalBytes: createBytes + uploadBytes };
}
