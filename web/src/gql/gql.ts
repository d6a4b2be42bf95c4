/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation UploadArtifact($file: MediaInput!) {\n    uploadArtifact(file: $file) {\n      id\n      url\n      contentType\n      byteSize\n    }\n  }\n": typeof types.UploadArtifactDocument,
    "\n  query GenerationModels {\n    models(task: TEXT_GENERATION) {\n      name\n      status\n    }\n  }\n": typeof types.GenerationModelsDocument,
    "\n  subscription GenerateStream($input: GenerateInput!) {\n    generate(input: $input) {\n      __typename\n      ... on GenerationStarted {\n        requestId\n        model\n        promptTokens\n      }\n      ... on GenerationToken {\n        text\n      }\n      ... on GenerationCompleted {\n        requestId\n        finishReason\n        text\n        usage {\n          promptTokens\n          completionTokens\n        }\n        timings {\n          queueMs\n          timeToFirstTokenMs\n          tokensPerSecond\n        }\n        error {\n          code\n          message\n        }\n      }\n    }\n  }\n": typeof types.GenerateStreamDocument,
    "\n  query HistoryPage($first: Int, $after: String, $last: Int, $before: String, $filter: RequestFilter) {\n    requests(first: $first, after: $after, last: $last, before: $before, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        node {\n          id\n          task\n          model\n          status\n          createdAt\n          inputText\n          outputText\n          inputModalities\n          queueMs\n          computeMs\n          error {\n            code\n          }\n        }\n      }\n    }\n    models {\n      name\n    }\n  }\n": typeof types.HistoryPageDocument,
    "\n  query ModelsPage {\n    models {\n      name\n      task\n      status\n      executionProvider\n      source\n      license\n      description\n      loadError\n      preload\n      inputModalities\n      outputModalities\n    }\n  }\n": typeof types.ModelsPageDocument,
    "\n  mutation LoadModelNow($name: String!) {\n    loadModel(name: $name) {\n      name\n      status\n      executionProvider\n      loadError\n    }\n  }\n": typeof types.LoadModelNowDocument,
    "\n  mutation UnloadModelNow($name: String!) {\n    unloadModel(name: $name) {\n      name\n      status\n      executionProvider\n      loadError\n    }\n  }\n": typeof types.UnloadModelNowDocument,
    "\n  mutation RecognizeText($input: RecognizeTextInput!) {\n    recognizeText(input: $input) {\n      width\n      height\n      text\n      lines {\n        text\n        confidence\n        box {\n          x\n          y\n        }\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n": typeof types.RecognizeTextDocument,
    "\n  subscription RunPipelineStream($input: RunPipelineInput!) {\n    runPipeline(input: $input) {\n      __typename\n      ... on PipelineStarted {\n        requestId\n        steps {\n          index\n          task\n          model\n          input\n          output\n        }\n      }\n      ... on PipelineStepStarted {\n        step\n        requestId\n        model\n      }\n      ... on PipelineToken {\n        step\n        text\n      }\n      ... on PipelineStepSegment {\n        step\n        start\n        end\n        text\n      }\n      ... on PipelineStepCompleted {\n        step\n        output {\n          kind\n          text\n          segments {\n            start\n            end\n            text\n          }\n        }\n      }\n      ... on PipelineCompleted {\n        requestId\n        output {\n          kind\n          text\n        }\n      }\n      ... on PipelineFailed {\n        requestId\n        status\n        failedStep: step\n        error {\n          code\n          message\n        }\n      }\n    }\n  }\n": typeof types.RunPipelineStreamDocument,
    "\n  query RequestDetail($id: ID!) {\n    request(id: $id) {\n      id\n      task\n      model\n      status\n      createdAt\n      startedAt\n      firstOutputAt\n      finishedAt\n      queueMs\n      computeMs\n      batchSize\n      promptTokens\n      completionTokens\n      inputModalities\n      inputText\n      outputText\n      parameters\n      error {\n        code\n        message\n      }\n      parent {\n        id\n      }\n      artifacts {\n        role\n        artifact {\n          id\n          url\n          contentType\n          byteSize\n        }\n      }\n      result {\n        __typename\n        ... on GenerationResult {\n          finishReason\n          timings {\n            queueMs\n            timeToFirstTokenMs\n            tokensPerSecond\n          }\n        }\n        ... on OcrResult {\n          width\n          height\n          lines {\n            text\n            confidence\n            box {\n              x\n              y\n            }\n          }\n        }\n        ... on SpeechDetectionResult {\n          durationSeconds\n          sampleRate\n          segments {\n            start\n            end\n          }\n        }\n      }\n    }\n  }\n": typeof types.RequestDetailDocument,
    "\n  subscription FollowRequest($id: ID!) {\n    requestEvents(id: $id) {\n      __typename\n      ... on GenerationToken {\n        text\n      }\n      ... on GenerationCompleted {\n        finishReason\n      }\n    }\n  }\n": typeof types.FollowRequestDocument,
    "\n  mutation CancelRequest($id: ID!) {\n    cancelRequest(id: $id) {\n      id\n      status\n    }\n  }\n": typeof types.CancelRequestDocument,
    "\n  query SearchPage {\n    collections {\n      name\n      model\n      dimension\n      itemCount\n    }\n    dualEncoders: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {\n      name\n    }\n    textEncoders: models(task: TEXT_EMBEDDING) {\n      name\n    }\n  }\n": typeof types.SearchPageDocument,
    "\n  mutation CreateCollection($input: CreateCollectionInput!) {\n    createCollection(input: $input) {\n      name\n      model\n      dimension\n      itemCount\n    }\n  }\n": typeof types.CreateCollectionDocument,
    "\n  mutation AddToCollection($input: AddToCollectionInput!) {\n    addToCollection(input: $input) {\n      collection {\n        name\n        itemCount\n      }\n      items {\n        id\n      }\n      request {\n        id\n      }\n    }\n  }\n": typeof types.AddToCollectionDocument,
    "\n  query SearchCollection($input: SearchInput!) {\n    search(input: $input) {\n      items {\n        id\n        score\n        modality\n        text\n        metadata\n        image {\n          url\n        }\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n": typeof types.SearchCollectionDocument,
    "\n  mutation DetectSpeech($input: DetectSpeechInput!) {\n    detectSpeech(input: $input) {\n      durationSeconds\n      sampleRate\n      segments {\n        start\n        end\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n": typeof types.DetectSpeechDocument,
    "\n  query VisionModels {\n    zeroShot: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {\n      name\n      status\n    }\n    classifiers: models(task: IMAGE_CLASSIFICATION) {\n      name\n      status\n    }\n    captioners: models(task: IMAGE_CAPTIONING) {\n      name\n      status\n    }\n  }\n": typeof types.VisionModelsDocument,
    "\n  mutation ClassifyZeroShot($input: ClassifyImageZeroShotInput!) {\n    classifyImageZeroShot(input: $input) {\n      model\n      labels {\n        label\n        score\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n": typeof types.ClassifyZeroShotDocument,
    "\n  mutation ClassifyImage($input: ClassifyImageInput!) {\n    classifyImage(input: $input) {\n      model\n      labels {\n        label\n        score\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n": typeof types.ClassifyImageDocument,
    "\n  subscription CaptionStream($input: CaptionImageInput!) {\n    captionImage(input: $input) {\n      __typename\n      ... on GenerationStarted {\n        requestId\n        model\n      }\n      ... on GenerationToken {\n        text\n      }\n      ... on GenerationCompleted {\n        requestId\n        finishReason\n        usage {\n          completionTokens\n        }\n        timings {\n          timeToFirstTokenMs\n          tokensPerSecond\n        }\n        error {\n          code\n          message\n        }\n      }\n    }\n  }\n": typeof types.CaptionStreamDocument,
};
const documents: Documents = {
    "\n  mutation UploadArtifact($file: MediaInput!) {\n    uploadArtifact(file: $file) {\n      id\n      url\n      contentType\n      byteSize\n    }\n  }\n": types.UploadArtifactDocument,
    "\n  query GenerationModels {\n    models(task: TEXT_GENERATION) {\n      name\n      status\n    }\n  }\n": types.GenerationModelsDocument,
    "\n  subscription GenerateStream($input: GenerateInput!) {\n    generate(input: $input) {\n      __typename\n      ... on GenerationStarted {\n        requestId\n        model\n        promptTokens\n      }\n      ... on GenerationToken {\n        text\n      }\n      ... on GenerationCompleted {\n        requestId\n        finishReason\n        text\n        usage {\n          promptTokens\n          completionTokens\n        }\n        timings {\n          queueMs\n          timeToFirstTokenMs\n          tokensPerSecond\n        }\n        error {\n          code\n          message\n        }\n      }\n    }\n  }\n": types.GenerateStreamDocument,
    "\n  query HistoryPage($first: Int, $after: String, $last: Int, $before: String, $filter: RequestFilter) {\n    requests(first: $first, after: $after, last: $last, before: $before, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        node {\n          id\n          task\n          model\n          status\n          createdAt\n          inputText\n          outputText\n          inputModalities\n          queueMs\n          computeMs\n          error {\n            code\n          }\n        }\n      }\n    }\n    models {\n      name\n    }\n  }\n": types.HistoryPageDocument,
    "\n  query ModelsPage {\n    models {\n      name\n      task\n      status\n      executionProvider\n      source\n      license\n      description\n      loadError\n      preload\n      inputModalities\n      outputModalities\n    }\n  }\n": types.ModelsPageDocument,
    "\n  mutation LoadModelNow($name: String!) {\n    loadModel(name: $name) {\n      name\n      status\n      executionProvider\n      loadError\n    }\n  }\n": types.LoadModelNowDocument,
    "\n  mutation UnloadModelNow($name: String!) {\n    unloadModel(name: $name) {\n      name\n      status\n      executionProvider\n      loadError\n    }\n  }\n": types.UnloadModelNowDocument,
    "\n  mutation RecognizeText($input: RecognizeTextInput!) {\n    recognizeText(input: $input) {\n      width\n      height\n      text\n      lines {\n        text\n        confidence\n        box {\n          x\n          y\n        }\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n": types.RecognizeTextDocument,
    "\n  subscription RunPipelineStream($input: RunPipelineInput!) {\n    runPipeline(input: $input) {\n      __typename\n      ... on PipelineStarted {\n        requestId\n        steps {\n          index\n          task\n          model\n          input\n          output\n        }\n      }\n      ... on PipelineStepStarted {\n        step\n        requestId\n        model\n      }\n      ... on PipelineToken {\n        step\n        text\n      }\n      ... on PipelineStepSegment {\n        step\n        start\n        end\n        text\n      }\n      ... on PipelineStepCompleted {\n        step\n        output {\n          kind\n          text\n          segments {\n            start\n            end\n            text\n          }\n        }\n      }\n      ... on PipelineCompleted {\n        requestId\n        output {\n          kind\n          text\n        }\n      }\n      ... on PipelineFailed {\n        requestId\n        status\n        failedStep: step\n        error {\n          code\n          message\n        }\n      }\n    }\n  }\n": types.RunPipelineStreamDocument,
    "\n  query RequestDetail($id: ID!) {\n    request(id: $id) {\n      id\n      task\n      model\n      status\n      createdAt\n      startedAt\n      firstOutputAt\n      finishedAt\n      queueMs\n      computeMs\n      batchSize\n      promptTokens\n      completionTokens\n      inputModalities\n      inputText\n      outputText\n      parameters\n      error {\n        code\n        message\n      }\n      parent {\n        id\n      }\n      artifacts {\n        role\n        artifact {\n          id\n          url\n          contentType\n          byteSize\n        }\n      }\n      result {\n        __typename\n        ... on GenerationResult {\n          finishReason\n          timings {\n            queueMs\n            timeToFirstTokenMs\n            tokensPerSecond\n          }\n        }\n        ... on OcrResult {\n          width\n          height\n          lines {\n            text\n            confidence\n            box {\n              x\n              y\n            }\n          }\n        }\n        ... on SpeechDetectionResult {\n          durationSeconds\n          sampleRate\n          segments {\n            start\n            end\n          }\n        }\n      }\n    }\n  }\n": types.RequestDetailDocument,
    "\n  subscription FollowRequest($id: ID!) {\n    requestEvents(id: $id) {\n      __typename\n      ... on GenerationToken {\n        text\n      }\n      ... on GenerationCompleted {\n        finishReason\n      }\n    }\n  }\n": types.FollowRequestDocument,
    "\n  mutation CancelRequest($id: ID!) {\n    cancelRequest(id: $id) {\n      id\n      status\n    }\n  }\n": types.CancelRequestDocument,
    "\n  query SearchPage {\n    collections {\n      name\n      model\n      dimension\n      itemCount\n    }\n    dualEncoders: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {\n      name\n    }\n    textEncoders: models(task: TEXT_EMBEDDING) {\n      name\n    }\n  }\n": types.SearchPageDocument,
    "\n  mutation CreateCollection($input: CreateCollectionInput!) {\n    createCollection(input: $input) {\n      name\n      model\n      dimension\n      itemCount\n    }\n  }\n": types.CreateCollectionDocument,
    "\n  mutation AddToCollection($input: AddToCollectionInput!) {\n    addToCollection(input: $input) {\n      collection {\n        name\n        itemCount\n      }\n      items {\n        id\n      }\n      request {\n        id\n      }\n    }\n  }\n": types.AddToCollectionDocument,
    "\n  query SearchCollection($input: SearchInput!) {\n    search(input: $input) {\n      items {\n        id\n        score\n        modality\n        text\n        metadata\n        image {\n          url\n        }\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n": types.SearchCollectionDocument,
    "\n  mutation DetectSpeech($input: DetectSpeechInput!) {\n    detectSpeech(input: $input) {\n      durationSeconds\n      sampleRate\n      segments {\n        start\n        end\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n": types.DetectSpeechDocument,
    "\n  query VisionModels {\n    zeroShot: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {\n      name\n      status\n    }\n    classifiers: models(task: IMAGE_CLASSIFICATION) {\n      name\n      status\n    }\n    captioners: models(task: IMAGE_CAPTIONING) {\n      name\n      status\n    }\n  }\n": types.VisionModelsDocument,
    "\n  mutation ClassifyZeroShot($input: ClassifyImageZeroShotInput!) {\n    classifyImageZeroShot(input: $input) {\n      model\n      labels {\n        label\n        score\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n": types.ClassifyZeroShotDocument,
    "\n  mutation ClassifyImage($input: ClassifyImageInput!) {\n    classifyImage(input: $input) {\n      model\n      labels {\n        label\n        score\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n": types.ClassifyImageDocument,
    "\n  subscription CaptionStream($input: CaptionImageInput!) {\n    captionImage(input: $input) {\n      __typename\n      ... on GenerationStarted {\n        requestId\n        model\n      }\n      ... on GenerationToken {\n        text\n      }\n      ... on GenerationCompleted {\n        requestId\n        finishReason\n        usage {\n          completionTokens\n        }\n        timings {\n          timeToFirstTokenMs\n          tokensPerSecond\n        }\n        error {\n          code\n          message\n        }\n      }\n    }\n  }\n": types.CaptionStreamDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UploadArtifact($file: MediaInput!) {\n    uploadArtifact(file: $file) {\n      id\n      url\n      contentType\n      byteSize\n    }\n  }\n"): typeof import('./graphql').UploadArtifactDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GenerationModels {\n    models(task: TEXT_GENERATION) {\n      name\n      status\n    }\n  }\n"): typeof import('./graphql').GenerationModelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription GenerateStream($input: GenerateInput!) {\n    generate(input: $input) {\n      __typename\n      ... on GenerationStarted {\n        requestId\n        model\n        promptTokens\n      }\n      ... on GenerationToken {\n        text\n      }\n      ... on GenerationCompleted {\n        requestId\n        finishReason\n        text\n        usage {\n          promptTokens\n          completionTokens\n        }\n        timings {\n          queueMs\n          timeToFirstTokenMs\n          tokensPerSecond\n        }\n        error {\n          code\n          message\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').GenerateStreamDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query HistoryPage($first: Int, $after: String, $last: Int, $before: String, $filter: RequestFilter) {\n    requests(first: $first, after: $after, last: $last, before: $before, filter: $filter) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        node {\n          id\n          task\n          model\n          status\n          createdAt\n          inputText\n          outputText\n          inputModalities\n          queueMs\n          computeMs\n          error {\n            code\n          }\n        }\n      }\n    }\n    models {\n      name\n    }\n  }\n"): typeof import('./graphql').HistoryPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ModelsPage {\n    models {\n      name\n      task\n      status\n      executionProvider\n      source\n      license\n      description\n      loadError\n      preload\n      inputModalities\n      outputModalities\n    }\n  }\n"): typeof import('./graphql').ModelsPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LoadModelNow($name: String!) {\n    loadModel(name: $name) {\n      name\n      status\n      executionProvider\n      loadError\n    }\n  }\n"): typeof import('./graphql').LoadModelNowDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnloadModelNow($name: String!) {\n    unloadModel(name: $name) {\n      name\n      status\n      executionProvider\n      loadError\n    }\n  }\n"): typeof import('./graphql').UnloadModelNowDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RecognizeText($input: RecognizeTextInput!) {\n    recognizeText(input: $input) {\n      width\n      height\n      text\n      lines {\n        text\n        confidence\n        box {\n          x\n          y\n        }\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n"): typeof import('./graphql').RecognizeTextDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription RunPipelineStream($input: RunPipelineInput!) {\n    runPipeline(input: $input) {\n      __typename\n      ... on PipelineStarted {\n        requestId\n        steps {\n          index\n          task\n          model\n          input\n          output\n        }\n      }\n      ... on PipelineStepStarted {\n        step\n        requestId\n        model\n      }\n      ... on PipelineToken {\n        step\n        text\n      }\n      ... on PipelineStepSegment {\n        step\n        start\n        end\n        text\n      }\n      ... on PipelineStepCompleted {\n        step\n        output {\n          kind\n          text\n          segments {\n            start\n            end\n            text\n          }\n        }\n      }\n      ... on PipelineCompleted {\n        requestId\n        output {\n          kind\n          text\n        }\n      }\n      ... on PipelineFailed {\n        requestId\n        status\n        failedStep: step\n        error {\n          code\n          message\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').RunPipelineStreamDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RequestDetail($id: ID!) {\n    request(id: $id) {\n      id\n      task\n      model\n      status\n      createdAt\n      startedAt\n      firstOutputAt\n      finishedAt\n      queueMs\n      computeMs\n      batchSize\n      promptTokens\n      completionTokens\n      inputModalities\n      inputText\n      outputText\n      parameters\n      error {\n        code\n        message\n      }\n      parent {\n        id\n      }\n      artifacts {\n        role\n        artifact {\n          id\n          url\n          contentType\n          byteSize\n        }\n      }\n      result {\n        __typename\n        ... on GenerationResult {\n          finishReason\n          timings {\n            queueMs\n            timeToFirstTokenMs\n            tokensPerSecond\n          }\n        }\n        ... on OcrResult {\n          width\n          height\n          lines {\n            text\n            confidence\n            box {\n              x\n              y\n            }\n          }\n        }\n        ... on SpeechDetectionResult {\n          durationSeconds\n          sampleRate\n          segments {\n            start\n            end\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').RequestDetailDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription FollowRequest($id: ID!) {\n    requestEvents(id: $id) {\n      __typename\n      ... on GenerationToken {\n        text\n      }\n      ... on GenerationCompleted {\n        finishReason\n      }\n    }\n  }\n"): typeof import('./graphql').FollowRequestDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelRequest($id: ID!) {\n    cancelRequest(id: $id) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql').CancelRequestDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchPage {\n    collections {\n      name\n      model\n      dimension\n      itemCount\n    }\n    dualEncoders: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {\n      name\n    }\n    textEncoders: models(task: TEXT_EMBEDDING) {\n      name\n    }\n  }\n"): typeof import('./graphql').SearchPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateCollection($input: CreateCollectionInput!) {\n    createCollection(input: $input) {\n      name\n      model\n      dimension\n      itemCount\n    }\n  }\n"): typeof import('./graphql').CreateCollectionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddToCollection($input: AddToCollectionInput!) {\n    addToCollection(input: $input) {\n      collection {\n        name\n        itemCount\n      }\n      items {\n        id\n      }\n      request {\n        id\n      }\n    }\n  }\n"): typeof import('./graphql').AddToCollectionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchCollection($input: SearchInput!) {\n    search(input: $input) {\n      items {\n        id\n        score\n        modality\n        text\n        metadata\n        image {\n          url\n        }\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n"): typeof import('./graphql').SearchCollectionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DetectSpeech($input: DetectSpeechInput!) {\n    detectSpeech(input: $input) {\n      durationSeconds\n      sampleRate\n      segments {\n        start\n        end\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n"): typeof import('./graphql').DetectSpeechDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VisionModels {\n    zeroShot: models(task: ZERO_SHOT_IMAGE_CLASSIFICATION) {\n      name\n      status\n    }\n    classifiers: models(task: IMAGE_CLASSIFICATION) {\n      name\n      status\n    }\n    captioners: models(task: IMAGE_CAPTIONING) {\n      name\n      status\n    }\n  }\n"): typeof import('./graphql').VisionModelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClassifyZeroShot($input: ClassifyImageZeroShotInput!) {\n    classifyImageZeroShot(input: $input) {\n      model\n      labels {\n        label\n        score\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n"): typeof import('./graphql').ClassifyZeroShotDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClassifyImage($input: ClassifyImageInput!) {\n    classifyImage(input: $input) {\n      model\n      labels {\n        label\n        score\n      }\n      request {\n        id\n        computeMs\n      }\n    }\n  }\n"): typeof import('./graphql').ClassifyImageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CaptionStream($input: CaptionImageInput!) {\n    captionImage(input: $input) {\n      __typename\n      ... on GenerationStarted {\n        requestId\n        model\n      }\n      ... on GenerationToken {\n        text\n      }\n      ... on GenerationCompleted {\n        requestId\n        finishReason\n        usage {\n          completionTokens\n        }\n        timings {\n          timeToFirstTokenMs\n          tokensPerSecond\n        }\n        error {\n          code\n          message\n        }\n      }\n    }\n  }\n"): typeof import('./graphql').CaptionStreamDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
