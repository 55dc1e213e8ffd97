# frozen_string_literal: true

Rails.application.routes.draw do
  # bin/oracle: read what a cookie holds, write a value, run a fixture scenario.
  get "oracle/read_session", to: "oracle#read_session"
  get "oracle/read_cookie", to: "oracle#read_cookie"
  get "oracle/write", to: "oracle#write"
  get "scenarios/:scenario", to: "scenarios#run"

  # bin/serve: the end-to-end app the Express middleware shares a login with.
  post "sign_in", to: "demo#sign_in"
  get "whoami", to: "demo#whoami"
  get "form", to: "demo#form"
  post "protected", to: "demo#protected_action"
  post "flash", to: "demo#set_flash"
  delete "sign_out", to: "demo#sign_out"
end
