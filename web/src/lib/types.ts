/** The zhihang API's shapes as the client reads them (see /openapi.json). */

export interface SessionUser {
  id: number;
  phone: string;
  username: string;
  nickname: string;
  avatar: string;
  online: boolean;
  last_seen: string;
}

export interface Sender {
  id: number;
  username: string;
  nickname: string;
  avatar: string;
}

export interface CallRecord {
  call_id: string;
  call_type: string;
  reason: string;
  duration: number;
  caller_id: number;
  callee_id: number;
  answered: boolean;
}

export interface Message {
  id: number;
  chat_id: number;
  sender_id: number | null;
  content: string;
  type: string;
  file_name: string;
  file_size: number;
  file_url: string;
  thumbnail: string;
  is_read: boolean;
  is_edited: boolean;
  is_deleted: boolean;
  is_pinned: boolean;
  reply_to_id: number | null;
  forward_from: number | null;
  created_at: string;
  updated_at: string;
  sender?: Sender | null;
  client_id: string | null;
  file_id: string | null;
  mime_type: string;
  width: number | null;
  height: number | null;
  is_recalled: boolean;
  call?: CallRecord;
}

export interface LastMessage {
  id: number;
  content: string;
  type: string;
  sender_id: number | null;
  created_at: string;
}

export interface Chat {
  id: number;
  name: string;
  description: string;
  avatar: string;
  type: string;
  is_pinned: boolean;
  is_muted: boolean;
  members_count: number;
  created_at: string;
  updated_at: string;
  last_message: LastMessage | null;
  unread_count: number;
  announcement: string;
  owner_id: number | null;
  peer_id: number | null;
  role: string;
}

export interface PublicUser {
  id: number;
  username: string;
  nickname: string;
  avatar: string;
  online: boolean;
  last_seen: string;
  is_contact?: boolean;
  phone?: string;
}

export interface UploadedFile {
  id: string;
  name: string;
  size: number;
  type: string;
  url: string;
  thumbnail: string;
}

/** A frame from the socket: `{type, data}`, durable events with their `seq`. */
export interface Frame {
  type: string;
  seq?: number;
  data: Record<string, unknown>;
}
