package eventsweb_test

// publicPages are the pages drawn for someone not signed in.
var publicPages = []string{"followup_code", "followup_report", "report_public_start", "report_question", "report_group", "report_check", "report_public_done"}
