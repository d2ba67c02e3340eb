/** kind: HTTPEndpoint (dapr.io/v1alpha1): an external HTTP service invocable like an app. */
import { z } from 'zod';
import { authSchema, DAPR_V1ALPHA1, nameValueSchema, objectMetaSchema, scopesSchema, secretKeyRefSchema } from './common';

/** A TLS document given inline (`value`) or from the component's secret store. */
const tlsDocumentSchema = z
  .object({ value: z.string().optional(), secretKeyRef: secretKeyRefSchema.optional() })
  .refine((d) => d.value !== undefined || d.secretKeyRef !== undefined, { message: 'expected value or secretKeyRef' });

export const httpEndpointSchema = z.object({
  apiVersion: z.literal(DAPR_V1ALPHA1),
  kind: z.literal('HTTPEndpoint'),
  metadata: objectMetaSchema,
  auth: authSchema.optional(),
  spec: z.object({
    baseUrl: z.string().refine((u) => {
      if (!/^https?:\/\//i.test(u)) return false;
      try {
        new URL(u);
        return true;
      } catch {
        return false;
      }
    }, { message: 'baseUrl must be an absolute http:// or https:// URL' }),
    headers: z.array(nameValueSchema).default([]),
    clientTLS: z
      .object({
        rootCA: tlsDocumentSchema.optional(),
        certificate: tlsDocumentSchema.optional(),
        privateKey: tlsDocumentSchema.optional(),
        renegotiation: z.enum(['Never', 'OnceAsClient', 'FreelyAsClient']).optional(),
      })
      .optional(),
  }),
  scopes: scopesSchema,
});

export type HttpEndpointResource = z.output<typeof httpEndpointSchema>;
