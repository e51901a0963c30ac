/** One finished stage file: the inclusive range of Kafka offsets it holds. */
export interface StageFileRef {
  topic: string;
  partition: number;
  startOffset: number;
  endOffset: number;
}

const WIDTH = 20;
const pad = (n: number) => String(n).padStart(WIDTH, '0');
const NAME = /^(.+)\+(\d+)\+(\d{20})\+(\d{20})\.jsonl$/;

/** Deterministic, sortable: `<topic>+<partition>+<first offset>+<last offset>.jsonl`. */
export function stageFileName(ref: StageFileRef): string {
  return `${ref.topic}+${ref.partition}+${pad(ref.startOffset)}+${pad(ref.endOffset)}.jsonl`;
}

/** Folder of a partition's files, relative to the stage root. */
export function partitionPath(topic: string, partition: number): string {
  return `${topic}/partition=${partition}`;
}

export function parseStageFileName(name: string): StageFileRef | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  const [, topic = '', partition = '', start = '', end = ''] = match;
  return { topic, partition: Number(partition), startOffset: Number(start), endOffset: Number(end) };
}

/** Temporary names (`<final name>.<writer id>-<n>.tmp`) carry a writer id so a live writer's temp file is told from a crashed one's. */
export function isTempFileName(name: string): boolean {
  return name.endsWith('.tmp');
}

/** The finished file a temp file becomes (`<final name>.<writer>.tmp` → `<final name>`). */
export function finalNameOfTemp(tempName: string): string | undefined {
  const end = tempName.indexOf('.jsonl.');
  return end < 0 || !isTempFileName(tempName) ? undefined : tempName.slice(0, end + '.jsonl'.length);
}

/** One place in a partition's publication chain: the successor of the file ending at `next - 1`, attempt `attempt`. */
export interface ChainSlot {
  next: number;
  attempt: number;
}

/** `.next+<next offset>+<attempt>`: hidden, so nothing that reads the stage takes it for a file. */
export function claimName(slot: ChainSlot): string {
  return `.next+${pad(slot.next)}+${slot.attempt}`;
}

export function isClaimName(name: string): boolean {
  return name.startsWith('.next+');
}
