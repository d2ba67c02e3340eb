/**
 * bindings.localstorage (output): files under `rootPath`. create (request metadata fileName, or a
 * fresh UUID; a JSON string is unquoted and base64 text decoded, as daprd does) answers
 * {"fileName"}; get answers the bytes; list answers a JSON array of names; delete removes.
 * Names that would leave rootPath are refused.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ComponentDriver, ResolvedComponent } from '../contract';
import { BindingError, requireMeta, type BindingInvokeRequest, type BindingInvokeResponse, type OutputBinding } from './contract';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A JSON string is stored unquoted; base64 text is stored decoded. */
export function fileBytes(data: Buffer): Buffer {
  let text = data.toString('utf8');
  let bytes = data;
  if (text.startsWith('"')) {
    try {
      const s: unknown = JSON.parse(text);
      if (typeof s === 'string') {
        text = s;
        bytes = Buffer.from(s, 'utf8');
      }
    } catch { /* not a JSON string: keep the bytes */ }
  }
  if (text.length > 0 && text.length % 4 === 0 && BASE64.test(text)) return Buffer.from(text, 'base64');
  return bytes;
}

async function listFiles(root: string, dir = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(root, rel)));
    else out.push(rel);
  }
  return out;
}

export class LocalStorageBinding implements OutputBinding {
  private readonly root: string;

  constructor(component: ResolvedComponent) {
    this.root = component.metadata.rootPath ? path.resolve(component.metadata.rootPath) : '';
  }

  async init(): Promise<void> {
    if (!this.root) throw new Error('localstorage binding: required metadata "rootPath" is missing');
    await mkdir(this.root, { recursive: true });
  }

  features(): readonly string[] {
    return [];
  }

  async close(): Promise<void> {}

  operations(): readonly string[] {
    return ['create', 'get', 'list', 'delete'];
  }

  private file(name: string): string {
    const p = path.resolve(this.root, name);
    if (p !== this.root && !p.startsWith(this.root + path.sep)) throw new BindingError(`localstorage binding: file name ${name} is outside rootPath`);
    return p;
  }

  async invoke(req: BindingInvokeRequest): Promise<BindingInvokeResponse> {
    switch (req.operation) {
      case 'create': {
        const name = req.metadata.fileName || randomUUID();
        const p = this.file(name);
        await mkdir(path.dirname(p), { recursive: true });
        await writeFile(p, fileBytes(req.data));
        return { data: Buffer.from(JSON.stringify({ fileName: name })), contentType: 'application/json' };
      }
      case 'get': {
        const p = this.file(requireMeta(req.metadata, 'fileName', 'localstorage binding'));
        try {
          return { data: await readFile(p) };
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BindingError(`file not found: ${req.metadata.fileName}`);
          throw e;
        }
      }
      case 'list':
        return { data: Buffer.from(JSON.stringify(await listFiles(this.root))), contentType: 'application/json' };
      default:
        await rm(this.file(requireMeta(req.metadata, 'fileName', 'localstorage binding')), { force: true });
        return {};
    }
  }
}

export const localStorageBindingDriver: ComponentDriver<LocalStorageBinding> = {
  types: ['bindings.localstorage'],
  versions: ['v1'],
  create: (c) => new LocalStorageBinding(c),
};
