import { request as httpsRequest } from 'node:https';
import { admissionResponseSchema, WebhookCallError, type AdmissionResponse, type AdmissionReviewRequest } from '../review.js';
import type { Webhook } from './configuration.js';

/** The most of a webhook's answer lk reads (upstream reads 3 MiB too). */
const MAX_RESPONSE_BYTES = 3 * 1024 * 1024;

/**
 * POSTs an AdmissionReview to a webhook over HTTPS, trusting its caBundle
 * (or the system's roots when it has none), within its timeout; answers
 * the review's response, checked. Every failure to get a usable answer is a
 * WebhookCallError, which the webhook's failurePolicy turns into an error or
 * nothing.
 */
export function callWebhook(webhook: Webhook, review: AdmissionReviewRequest): Promise<AdmissionResponse> {
  const url = webhook.clientConfig.url;
  if (url === undefined) {
    // A service reference needs a route into the cluster's pod network, which lk does not have yet.
    const service = webhook.clientConfig.service;
    return Promise.reject(new WebhookCallError(webhook.name, `service ${service?.namespace ?? ''}/${service?.name ?? ''} cannot be reached: lk calls webhooks by url only`));
  }
  const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: review });
  const ca = webhook.clientConfig.caBundle !== undefined && webhook.clientConfig.caBundle !== '' ? Buffer.from(webhook.clientConfig.caBundle, 'base64').toString('utf8') : undefined;
  return new Promise((resolve, reject) => {
    const fail = (reason: string): void => reject(new WebhookCallError(webhook.name, `failed to call webhook: Post ${JSON.stringify(url)}: ${reason}`));
    const call = httpsRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) }, ...(ca !== undefined && { ca }), timeout: webhook.timeoutSeconds * 1000 },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) response.destroy(new Error('response body too large'));
          else chunks.push(chunk);
        });
        response.on('error', (error) => fail(error.message));
        response.on('end', () => {
          if ((response.statusCode ?? 0) < 200 || (response.statusCode ?? 0) >= 300) {
            fail(`the server responded with status ${response.statusCode ?? 0}`);
            return;
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(new WebhookCallError(webhook.name, 'the response is not JSON'));
            return;
          }
          const answer = admissionResponseSchema.safeParse((parsed as { response?: unknown } | null)?.response);
          if (!answer.success) {
            reject(new WebhookCallError(webhook.name, 'the response has no valid AdmissionReview response'));
            return;
          }
          if (answer.data.uid !== review.uid) {
            reject(new WebhookCallError(webhook.name, `expected response.uid=${JSON.stringify(review.uid)}, got ${JSON.stringify(answer.data.uid ?? '')}`));
            return;
          }
          resolve(answer.data);
        });
      },
    );
    call.on('timeout', () => call.destroy(new Error('context deadline exceeded')));
    call.on('error', (error) => fail(error.message));
    call.end(body);
  });
}
