/** One agent run: the model endpoint, the user's prompt and the workspace. */
export interface AgentRun {
  /** OpenAI-compatible base URL including `/v1`. */
  readonly llmUrl: string;
  readonly prompt: string;
  readonly work: string;
  /**
   * Where to write the run's OpenTelemetry GenAI spans (OTLP/JSON); only the `openai-agents` agent
   * records them (through its SDK's tracing processors).
   */
  readonly spans?: string;
}
