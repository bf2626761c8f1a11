// The inference-server and lockfile corpus: every bad artifact names what it is for; every good one
// is a realistic configuration that must not be flagged at medium or above.
import { put } from './corpus.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';

/** Builds the corpus under `root`; returns the paths by role. */
export function buildSupplyCorpus(root: string) {
  const bad = {
    vllmK8s: put(
      root,
      'bad/k8s/vllm.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: vllm }
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          command: ["vllm", "serve", "Qwen/Qwen2-0.5B-Instruct"]
          args: ["--trust-remote-code", "--host", "0.0.0.0"]
`,
    ),
    tgiEnv: put(
      root,
      'bad/k8s/tgi.yaml',
      `apiVersion: v1
kind: Pod
metadata: { name: tgi }
spec:
  containers:
    - name: tgi
      image: ghcr.io/huggingface/text-generation-inference:2.4.0
      env:
        - { name: MODEL_ID, value: bigscience/bloom-560m }
        - { name: REVISION, value: ${COMMIT} }
        - { name: TRUST_REMOTE_CODE, value: "true" }
        - { name: API_KEY, valueFrom: { secretKeyRef: { name: tgi, key: key } } }
`,
    ),
    ollamaCompose: put(
      root,
      'bad/compose/docker-compose.yml',
      `services:
  ollama:
    image: ollama/ollama:0.3.14
    environment:
      - OLLAMA_HOST=0.0.0.0:11434
    ports: ["11434:11434"]
`,
    ),
    ollamaLatest: put(
      root,
      'bad/compose2/compose.yaml',
      `services:
  puller:
    image: ollama/ollama:0.3.14
    command: ["ollama", "pull", "llama3"]
`,
    ),
    llamaCpp: put(
      root,
      'bad/systemd/llama.service',
      `[Unit]
Description=llama.cpp server
[Service]
ExecStart=/usr/local/bin/llama-server -m /srv/models/q4.gguf --host 0.0.0.0 --port 8080
`,
    ),
    llamaCppHttp: put(
      root,
      'bad/systemd2/llama-url.service',
      `[Service]
ExecStart=/usr/local/bin/llama-server --model-url http://models.internal/q4.gguf --api-key-file /etc/llama/key
`,
    ),
    triton: put(
      root,
      'bad/k8s/triton.yaml',
      `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: triton }
spec:
  template:
    spec:
      containers:
        - name: triton
          image: nvcr.io/nvidia/tritonserver:24.08-py3
          command: ["tritonserver"]
          args: ["--model-repository=/models", "--model-control-mode=explicit", "--http-address=127.0.0.1"]
`,
    ),
    vllmDev: put(
      root,
      'bad/k8s/vllm-dev.yaml',
      `apiVersion: v1
kind: Pod
metadata: { name: vllm-dev }
spec:
  containers:
    - name: vllm
      image: vllm/vllm-openai:v0.6.3
      args: ["--model", "/models/llama", "--host", "127.0.0.1"]
      env:
        - { name: VLLM_SERVER_DEV_MODE, value: "1" }
`,
    ),
    localaiLatest: put(
      root,
      'bad/compose3/docker-compose.yaml',
      `services:
  localai:
    image: localai/localai:latest
    command: ["local-ai", "--address", "127.0.0.1:8080"]
`,
    ),
    requirements: put(
      root,
      'bad/py/requirements.txt',
      'torch==1.12.0\nlangchain-core==0.1.10\nrequests==2.32.3\n',
    ),
    poetry: put(
      root,
      'bad/poetry/poetry.lock',
      '[[package]]\nname = "llama-index"\nversion = "0.9.20"\ndescription = ""\noptional = false\npython-versions = ">=3.8"\nfiles = []\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.10"\ncontent-hash = "x"\n',
    ),
    uv: put(
      root,
      'bad/uv/uv.lock',
      'version = 1\nrequires-python = ">=3.10"\n\n[[package]]\nname = "gradio"\nversion = "3.12.0"\nsource = { registry = "https://pypi.org/simple" }\n',
    ),
    // Inference configuration files beside manifests: vLLM --config, Ollama Modelfile and env,
    // LocalAI model YAML, Helm values of vLLM's production stack and the Ollama chart.
    vllmConfig: put(
      root,
      'bad/vllm-config/config.yaml',
      'model: Qwen/Qwen2-0.5B-Instruct\ntensor-parallel-size: 1\ntrust-remote-code: true\nhost: 0.0.0.0\nport: 8000\n',
    ),
    modelfileRemote: put(
      root,
      'bad/ollama/Modelfile',
      'FROM hf.co/someone/model-GGUF:Q4_K_M\nPARAMETER temperature 0.2\n',
    ),
    modelfileLatest: put(
      root,
      'bad/ollama2/Modelfile',
      '# a moving tag\nFROM llama3\nSYSTEM """\nYou are terse.\n"""\n',
    ),
    ollamaEnv: put(
      root,
      'bad/ollama-env/ollama.env',
      'OLLAMA_HOST=0.0.0.0:11434\nOLLAMA_MODELS=/srv/models\n',
    ),
    localaiModel: put(
      root,
      'bad/localai/phi.yaml',
      'name: phi\nbackend: transformers\ntrust_remote_code: true\nparameters:\n  model: huggingface://microsoft/phi-2/model.safetensors\n',
    ),
    helmVllm: put(
      root,
      'bad/helm-vllm/values.yaml',
      `servingEngineSpec:
  modelSpec:
    - name: qwen
      repository: vllm/vllm-openai
      tag: latest
      modelURL: Qwen/Qwen2-0.5B-Instruct
      vllmConfig:
        maxModelLen: 4096
        extraArgs:
          - --trust-remote-code
`,
    ),
    helmOllama: put(
      root,
      'bad/helm-ollama/values.yaml',
      `image:
  repository: ollama/ollama
  tag: ""
extraEnv:
  - name: OLLAMA_ORIGINS
    value: "*"
ollama:
  models:
    pull:
      - llama3
`,
    ),
  };
  const good = {
    vllmK8s: put(
      root,
      'good/k8s/vllm.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: vllm }
spec:
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          command: ["vllm", "serve", "Qwen/Qwen2-0.5B-Instruct", "--revision", "${COMMIT}"]
          args: ["--host", "0.0.0.0"]
          env:
            - name: VLLM_API_KEY
              valueFrom: { secretKeyRef: { name: vllm, key: api-key } }
        - name: sidecar
          image: busybox:1.36
          command: ["sh", "-c", "sleep infinity"]
`,
    ),
    ollamaLocal: put(
      root,
      'good/compose/docker-compose.yml',
      `services:
  ollama:
    image: ollama/ollama:0.3.14
    environment:
      OLLAMA_HOST: 127.0.0.1:11434
  web:
    image: nginx:1.27
`,
    ),
    llamaLocal: put(
      root,
      'good/systemd/llama.service',
      '[Service]\nExecStart=/usr/local/bin/llama-server -m /srv/models/q4.gguf --host 127.0.0.1 --port 8080\n',
    ),
    tritonPlain: put(
      root,
      'good/k8s/triton.yaml',
      `apiVersion: v1
kind: Pod
metadata: { name: triton }
spec:
  containers:
    - name: triton
      image: nvcr.io/nvidia/tritonserver:24.08-py3
      command: ["tritonserver", "--model-repository=/models", "--http-address=127.0.0.1"]
`,
    ),
    unrelated: put(
      root,
      'good/k8s/web.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
          args: ["--host", "0.0.0.0"]
`,
    ),
    requirements: put(
      root,
      'good/py/requirements.txt',
      'torch==2.11.0\nlangchain-core==1.3.3\ntransformers>=4.0\n',
    ),
    packageLock: put(root, 'good/js/package-lock.json', {
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'app', version: '1.0.0', dependencies: { langchain: '0.3.37' } },
        'node_modules/langchain': { version: '0.3.37' },
      },
    }),
    vllmConfig: put(
      root,
      'good/vllm-config/config.yaml',
      'model: /srv/models/qwen2\ntensor-parallel-size: 1\nhost: 127.0.0.1\napi-key: from-a-secret-file\n',
    ),
    modelfileLocal: put(root, 'good/ollama/Modelfile', 'FROM ./qwen2-q4.gguf\nPARAMETER num_ctx 4096\n'),
    modelfilePinned: put(root, 'good/ollama2/Modelfile', 'FROM llama3:8b-instruct-q4_0\n'),
    ollamaEnv: put(root, 'good/ollama-env/ollama.env', 'OLLAMA_HOST=127.0.0.1:11434\n'),
    localaiModel: put(
      root,
      'good/localai/phi.yaml',
      'name: phi\nbackend: llama-cpp\nparameters:\n  model: /models/phi-2.Q4_K_M.gguf\n',
    ),
    helmOllama: put(
      root,
      'good/helm-ollama/values.yaml',
      'image:\n  repository: ollama/ollama\n  tag: "0.3.14"\nollama:\n  models:\n    pull:\n      - llama3:8b\n',
    ),
    helmTemplate: put(
      root,
      'good/helm-ollama/templates/deployment.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "ollama.fullname" . }}\n',
    ),
  };
  return { bad, good };
}
