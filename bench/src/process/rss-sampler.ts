import { readFileSync } from 'node:fs';

export interface RssPeak {
  /** Highest VmRSS seen in the samples, MiB. */
  sampledMb: number;
  /** The kernel's VmHWM (peak resident set) at the last sample, MiB; 0 when not readable. */
  hwmMb: number;
  /** The larger of the two. */
  peakMb: number;
  samples: number;
}

function statusKb(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

/** Samples /proc/<pid>/status every `intervalMs` until stopped or the process is gone. */
export class RssSampler {
  private maxRssKb = 0;
  private hwmKb = 0;
  private samples = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 150,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** One more reading (call it right before the process is asked to stop: VmHWM is then the whole run's). */
  sample(): void {
    let status: string;
    try {
      status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    } catch {
      return; // gone, or not Linux
    }
    this.samples++;
    this.maxRssKb = Math.max(this.maxRssKb, statusKb(status, 'VmRSS'));
    this.hwmKb = Math.max(this.hwmKb, statusKb(status, 'VmHWM'));
  }

  stop(): RssPeak {
    clearInterval(this.timer);
    const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
    return { sampledMb: mb(this.maxRssKb), hwmMb: mb(this.hwmKb), peakMb: mb(Math.max(this.maxRssKb, this.hwmKb)), samples: this.samples };
  }
}
