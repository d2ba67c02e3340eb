/**
 * protobuf-es descriptors for dapr/proto/sentry/v1/sentry.proto (service dapr.proto.sentry.v1.CA).
 *
 * @dapr/dapr ships protobuf-es stubs for the runtime API but only google-protobuf (jspb) stubs for
 * Sentry, which Connect cannot serve. Instead of vendoring generated code, the file descriptor
 * is declared here field by field (same names, numbers, types as the .proto in that package) and
 * hydrated with @bufbuild/protobuf, giving the same typed schemas protoc-gen-es would. A test
 * checks wire compatibility against the jspb stubs and a grpc-js client built from them.
 */
import { create, createFileRegistry, type Message } from '@bufbuild/protobuf';
import { messageDesc, serviceDesc, type GenMessage, type GenService } from '@bufbuild/protobuf/codegenv2';
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
  type StringValue,
  type Timestamp,
} from '@bufbuild/protobuf/wkt';

const PKG = 'dapr.proto.sentry.v1';
const field = (name: string, number: number, type: Type, extra: { label?: Label; typeName?: string; jsonName?: string; oneofIndex?: number; proto3Optional?: boolean } = {}) => ({
  name,
  number,
  type,
  label: extra.label ?? Label.OPTIONAL,
  ...(extra.typeName ? { typeName: extra.typeName } : {}),
  jsonName: extra.jsonName ?? name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
  ...(extra.oneofIndex !== undefined ? { oneofIndex: extra.oneofIndex } : {}),
  ...(extra.proto3Optional ? { proto3Optional: true } : {}),
});

const sentryFileProto = create(FileDescriptorProtoSchema, {
  name: 'dapr/proto/sentry/v1/sentry.proto',
  package: PKG,
  syntax: 'proto3',
  dependency: ['google/protobuf/timestamp.proto', 'google/protobuf/wrappers.proto'],
  options: { goPackage: 'github.com/dapr/dapr/pkg/proto/sentry/v1;sentry' },
  messageType: [
    {
      name: 'SignCertificateRequest',
      field: [
        field('id', 1, Type.STRING),
        field('token', 2, Type.STRING),
        field('trust_domain', 3, Type.STRING),
        field('namespace', 4, Type.STRING),
        field('certificate_signing_request', 5, Type.BYTES),
        field('token_validator', 6, Type.ENUM, { typeName: `.${PKG}.SignCertificateRequest.TokenValidator` }),
        field('jwt_audiences', 7, Type.STRING, { label: Label.REPEATED }),
      ],
      enumType: [
        {
          name: 'TokenValidator',
          value: [
            { name: 'UNKNOWN', number: 0 },
            { name: 'INSECURE', number: 1 },
            { name: 'KUBERNETES', number: 2 },
            { name: 'JWKS', number: 3 },
          ],
        },
      ],
    },
    {
      name: 'SignCertificateResponse',
      field: [
        field('workload_certificate', 1, Type.BYTES),
        field('trust_chain_certificates', 2, Type.BYTES, { label: Label.REPEATED }),
        field('valid_until', 3, Type.MESSAGE, { typeName: '.google.protobuf.Timestamp' }),
        field('jwt', 4, Type.MESSAGE, { typeName: '.google.protobuf.StringValue', oneofIndex: 0, proto3Optional: true }),
      ],
      oneofDecl: [{ name: '_jwt' }],
    },
  ],
  service: [
    {
      name: 'CA',
      method: [{ name: 'SignCertificate', inputType: `.${PKG}.SignCertificateRequest`, outputType: `.${PKG}.SignCertificateResponse` }],
    },
  ],
});

const registry = createFileRegistry(sentryFileProto, (name) =>
  name === 'google/protobuf/timestamp.proto' ? file_google_protobuf_timestamp : name === 'google/protobuf/wrappers.proto' ? file_google_protobuf_wrappers : undefined,
);
const sentryFile = registry.getFile('dapr/proto/sentry/v1/sentry.proto');
if (!sentryFile) throw new Error('sentry.proto descriptor did not hydrate');

export enum SignCertificateRequest_TokenValidator {
  UNKNOWN = 0,
  INSECURE = 1,
  KUBERNETES = 2,
  JWKS = 3,
}

export type SignCertificateRequest = Message<'dapr.proto.sentry.v1.SignCertificateRequest'> & {
  id: string;
  token: string;
  trustDomain: string;
  namespace: string;
  /** PEM-encoded PKCS#10 CSR. */
  certificateSigningRequest: Uint8Array;
  tokenValidator: SignCertificateRequest_TokenValidator;
  jwtAudiences: string[];
};

export type SignCertificateResponse = Message<'dapr.proto.sentry.v1.SignCertificateResponse'> & {
  /** PEM: the leaf followed by the issuer chain. */
  workloadCertificate: Uint8Array;
  /** PEM trust anchors (roots). */
  trustChainCertificates: Uint8Array[];
  validUntil?: Timestamp;
  jwt?: StringValue;
};

export const SignCertificateRequestSchema: GenMessage<SignCertificateRequest> = messageDesc(sentryFile, 0);
export const SignCertificateResponseSchema: GenMessage<SignCertificateResponse> = messageDesc(sentryFile, 1);

/** dapr.proto.sentry.v1.CA */
export const CA: GenService<{
  signCertificate: { methodKind: 'unary'; input: typeof SignCertificateRequestSchema; output: typeof SignCertificateResponseSchema };
}> = serviceDesc(sentryFile, 0);
