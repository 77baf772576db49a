/**
 * What the gateway needs to know about conversation membership. The store implementation reads
 * `conversation_members` (src/store/repos/membership.ts); the gateway keeps its own copy for the
 * users connected to this node, current through the membership events.
 */
export interface MembershipSource {
  conversationIdsOf(userId: number): Promise<number[]>;
  memberIds(conversationId: number): Promise<number[]>;
  isMember(conversationId: number, userId: number): Promise<boolean>;
}
