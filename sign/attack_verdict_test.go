package sign

// verdict is the verifier's answer the attack tests check, and the findings it lists.
func verdict(rep *Report) (bool, []string) {
	var codes []string
	for _, p := range rep.Problems {
		codes = append(codes, p.Code)
	}
	for _, s := range rep.Signatures {
		for _, p := range s.Problems {
			codes = append(codes, p.Code)
		}
		if !s.Intact {
			codes = append(codes, "not_intact:"+s.Field)
		}
	}
	return rep.Valid(), codes
}
