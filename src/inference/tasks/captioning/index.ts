export { ImageCaptioner } from './captioner.js';
export { openCaptioner } from './open.js';
export { validateCaptionRequest, type CaptionRequest } from './request.js';
