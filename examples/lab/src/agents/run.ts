/** One agent run: the model endpoint, the user's prompt and the workspace. */
export interface AgentRun {
  /** OpenAI-compatible base URL including `/v1`. */
  readonly llmUrl: string;
  readonly prompt: string;
  readonly work: string;
}
