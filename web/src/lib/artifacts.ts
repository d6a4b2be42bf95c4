/**
 * Media the console sends more than once (or over graphql-ws, which carries no files) is
 * stored first, and requests then name it by artifactId.
 */
import { upload } from '../api';
import { graphql } from '../gql';

const UploadArtifact = graphql(`
  mutation UploadArtifact($file: MediaInput!) {
    uploadArtifact(file: $file) {
      id
      url
      contentType
      byteSize
    }
  }
`);

export interface StoredMedia {
  id: string;
  url: string;
  contentType: string;
  byteSize: number;
}

export async function storeArtifact(file: Blob, name: string): Promise<StoredMedia> {
  return (await upload(UploadArtifact, { file: { file: null } }, 'file.file', file, name)).uploadArtifact;
}
