/** Shapes of the Cruddur API (see shared/spec/cruddur-api.md). Week 2 has no database: data is mock. */

export interface Reply {
  uuid: string;
  reply_to_activity_uuid?: string;
  handle: string;
  message: string;
  likes_count?: number;
  replies_count?: number;
  reposts_count?: number;
  created_at: string;
}

export interface Activity {
  uuid: string;
  handle: string;
  message: string;
  created_at: string;
  expires_at?: string;
  display_name?: string;
  likes_count?: number;
  replies_count?: number;
  reposts_count?: number;
  likes?: number;
  replies?: Reply[];
}

export interface MessageGroup {
  uuid: string;
  display_name: string;
  handle: string;
  created_at: string;
}

export interface Message {
  uuid: string;
  display_name: string;
  handle: string;
  message: string;
  created_at: string;
}

/** A service's answer: its data, or every validation code that failed, in check order. */
export type Outcome<T> = { ok: true; data: T } | { ok: false; errors: string[] };

export function outcome<T>(errors: string[], data: () => T): Outcome<T> {
  return errors.length > 0 ? { ok: false, errors } : { ok: true, data: data() };
}

/** Week 2 has no authentication: the acting user is always this one. */
export const CURRENT_USER = { handle: 'andrewbrown', display_name: 'Andrew Brown' } as const;
