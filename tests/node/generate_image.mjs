// The Vercel AI SDK's generateImage, unchanged, against promptgen's OpenAI-compatible
// POST /v1/images/generations. Usage: node generate_image.mjs <service url> [model] [prompt_mode]
// Prints one JSON line: the images (media type, base64) and warnings, or the error.
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateImage } from 'ai';

const [url, modelId = 'gpt-image-1', promptMode] = process.argv.slice(2);
if (!url) {
  console.error('usage: node generate_image.mjs <service url> [model] [prompt_mode]');
  process.exit(2);
}

const promptgen = createOpenAICompatible({ name: 'promptgen', baseURL: `${url}/v1`, apiKey: 'unused' });

try {
  const { images, warnings, responses } = await generateImage({
    model: promptgen.imageModel(modelId),
    prompt: 'a lighthouse in a storm',
    n: 2,
    size: '1024x1024',
    maxRetries: 0,
    providerOptions: promptMode ? { promptgen: { prompt_mode: promptMode } } : undefined,
  });
  console.log(
    JSON.stringify({
      images: images.map((image) => ({ mediaType: image.mediaType, base64: image.base64 })),
      warnings,
      modelId: responses[0]?.modelId,
    }),
  );
} catch (error) {
  console.log(JSON.stringify({ error: { name: error.name, message: error.message, statusCode: error.statusCode } }));
  process.exit(1);
}
