/**
 * What the gateway needs to know about conversation membership. The conversation repository
 * implements it (src/store/repos/conversations.ts); the gateway keeps its own copy for the users
 * connected to this node, current through the membership events.
 */
export interface MembershipSource {
  conversationIdsOf(userId: number): Promise<number[]>;
}
