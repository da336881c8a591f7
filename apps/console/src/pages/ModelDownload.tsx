import { useState } from 'react';
import { apiError, trpc } from '../api';

/** The locked model's ONNX bytes (campaigns.modelOnnx), saved through a blob: link. */
export function ModelDownload({ campaignId, available }: { campaignId: string; available: boolean }) {
  const [error, setError] = useState<string | null>(null);
  async function download() {
    setError(null);
    try {
      const model = await trpc.campaigns.modelOnnx.query({ campaignId });
      if (!model) return setError('This campaign has no exported model');
      const bytes = Uint8Array.from(atob(model.base64), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${campaignId}.onnx`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(apiError(e).message);
    }
  }
  return (
    <>
      <button type="button" disabled={!available} onClick={() => void download()}>Download ONNX</button>
      {error ? <span className="error-text" role="alert"> {error}</span> : null}
    </>
  );
}
