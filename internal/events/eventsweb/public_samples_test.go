package eventsweb_test

// publicPages are the pages drawn for someone not signed in.
var publicPages = []string{"followup_code", "followup_report"}
