import type { McpTool } from './definitions.js';

/**
 * The roles a tool can play in a toxic flow:
 * - `untrusted-content`: brings text from outside the user's control into the context (web pages, email, issues, chat);
 * - `private-data`: reads data the user would not publish (files, databases, secrets, mail, calendars);
 * - `public-sink`: sends data somewhere others can read it (HTTP requests, email, chat, git push, issues).
 */
export type ToolClass = 'untrusted-content' | 'private-data' | 'public-sink';

/**
 * The classification table: a tool belongs to a class when its name matches
 * the name pattern, or its description matches the description pattern.
 * Names are matched after splitting camelCase and separators into words.
 * One tool can be in several classes (a GitHub server's tools read issues and
 * private repositories and open pull requests).
 *
 * @example
 * ```ts
 * for (const row of TOOL_CLASS_TABLE) console.log(row.class, row.name.source);
 * ```
 */
export const TOOL_CLASS_TABLE: readonly {
  readonly class: ToolClass;
  readonly name: RegExp;
  readonly description: RegExp;
}[] = [
  {
    class: 'untrusted-content',
    name: /\b(fetch|browse|scrape|crawl|web|url|http get|search web|web search|read (email|mail|message|messages|inbox)|get (email|mail|issue|issues|comments?|messages?|page|url|tweets?)|list (issues|emails|messages|comments)|issue|inbox|rss|feed)\b/,
    description:
      /\b(fetch(es)? (a |the )?(url|web ?page|website)|contents? of (a |the )?(url|web ?page|website)|search(es)? the web|web search|read(s)? (email|e-mail|messages?|the inbox)|(issues?|pull requests?|comments?) (from|on|in) (github|gitlab|jira)|incoming (email|messages?)|untrusted)\b/i,
  },
  {
    class: 'private-data',
    name: /\b(read (file|files|multiple files|text file|media file)|get file|file contents?|list directory|directory tree|search files|query|sql|select|database|db|postgres|mysql|sqlite|mongo|redis|secret|secrets|vault|credential|credentials|password|keychain|env|read (email|mail|inbox)|calendar|contacts|drive|documents?|private|repo contents?|get file contents)\b/,
    description:
      /\b(read(s)? (the )?(complete |full )?contents? of (a |the )?file|files? (on|from) (the |your )?(local )?(disk|filesystem|file system)|(run|execute)s? (a )?(read-only )?(sql|query)|database|secrets?|credentials?|password|private (repositor(y|ies)|data|files?)|(your|user'?s?) (email|inbox|calendar|contacts|documents))\b/i,
  },
  {
    class: 'public-sink',
    name: /\b(post|send|send (email|mail|message)|publish|push|upload|webhook|http (post|request)|create (issue|pull request|comment|gist|post|tweet)|add comment|comment|tweet|share|notify|slack|discord|email|write url|put url)\b/,
    description:
      /\b(send(s)? (an? )?(email|e-mail|message|http|request|webhook)|post(s)? (to|a|an) |publish(es)?|push(es)? (to|commits?)|upload(s)? |create(s)? (an? )?(issue|pull request|comment|gist)|(http|https) (post|put) request|to (a|any) (url|webhook))/i,
  },
];

function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_\-.:/]+/g, ' ')
    .toLowerCase()
    .trim();
}

/**
 * The toxic-flow classes of a tool, by the {@link TOOL_CLASS_TABLE}.
 *
 * @example
 * ```ts
 * classifyTool({ name: 'fetch', description: 'Fetches a URL from the internet' }); // ['untrusted-content']
 * ```
 */
export function classifyTool(tool: Pick<McpTool, 'name' | 'description'>): ToolClass[] {
  const n = words(tool.name);
  const d = tool.description ?? '';
  return TOOL_CLASS_TABLE.filter((row) => row.name.test(n) || row.description.test(d)).map(
    (row) => row.class,
  );
}
