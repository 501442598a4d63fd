package ingest

// Owner is whom a take belongs to: a Candidate, a Member or a Preview. An owner has one live take at a time and
// plays back only their own unstored takes. Owners compare as values: two Candidates with the same ID are the same
// owner, a Candidate and a Member never are.
type Owner interface{ isOwner() }

// Candidate is a candidate recording their answers or their practice take.
type Candidate struct{ ID string }

// Member is a team member recording an interview's welcome video or a question's video.
type Member struct{ ID string }

// Preview is a team member walking the candidate page of one interview. Its takes are apart from the member's
// studio takes and from their previews of other interviews.
type Preview struct{ Member, Interview string }

func (Candidate) isOwner() {}
func (Member) isOwner()    {}
func (Preview) isOwner()   {}
