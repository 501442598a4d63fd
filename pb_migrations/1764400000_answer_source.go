package pb_migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Which copy an answer's video is: the live recording, or the candidate's own copy uploaded after Stop (the
// uploads package). Answers recorded before are live ones.
func init() {
	m.Register(func(app core.App) error {
		answers, err := app.FindCollectionByNameOrId(Answers)
		if err != nil {
			return err
		}
		answers.Fields.Add(&core.SelectField{Name: "source", MaxSelect: 1, Values: selectValues(AnswerSources)})
		if err := app.Save(answers); err != nil {
			return err
		}
		_, err = app.DB().NewQuery("UPDATE answers SET source = {:live} WHERE video != ''").
			Bind(map[string]any{"live": string(SourceLive)}).Execute()
		return err
	}, func(app core.App) error {
		answers, err := app.FindCollectionByNameOrId(Answers)
		if err != nil {
			return err
		}
		answers.Fields.RemoveByName("source")
		return app.Save(answers)
	})
}
