# frozen_string_literal: true

require "json"
require "base64"
require "time"
require "rack/mock"
require "active_support/testing/time_helpers"
require "rcc/rails_reads"
require "rcc/scenarios"

module Rcc
  # Observes (never changes) what ActionDispatch::Session::CookieStore#get_cookie returned:
  # `cookie_jar(req)[@key]`, i.e. nil when the session cookie was absent or rejected. This is the
  # one robust way to tell "Rails accepted this cookie" from "Rails started a new session": a fresh
  # session also has a session_id, and an accepted cookie may hold nothing else.
  module ObserveCookieStore
    private
      def get_cookie(req)
        super.tap { |data| req.set_header("rcc.session_cookie_accepted", !data.nil?) }
      end
  end

  # The same observation for ActionDispatch::Session::CacheStore#find_session
  # (actionpack/lib/action_dispatch/middleware/session/cache_store.rb): it returns the sid it was
  # given when the cache held a session under it, and a freshly generated one when it did not.
  module ObserveCacheStore
    private
      def find_session(req, sid)
        super.tap { |found_sid, _| req.set_header("rcc.session_cookie_accepted", !sid.nil? && found_sid.equal?(sid)) }
      end
  end

  # The batch driver behind bin/oracle: one booted app, one JSON object in, one JSON object out.
  # Every operation is one full request through Rails.application.call (the real middleware
  # stack), built with Rack::MockRequest.env_for.
  class Oracle
    include ActiveSupport::Testing::TimeHelpers

    def initialize(app = Rails.application)
      @app = app
      @config = RailsFixtureApp::RCC
      ActionDispatch::Session::CookieStore.prepend(ObserveCookieStore) unless ActionDispatch::Session::CookieStore < ObserveCookieStore
      ActionDispatch::Session::CacheStore.prepend(ObserveCacheStore) unless ActionDispatch::Session::CacheStore < ObserveCacheStore
    end

    def handle(op)
      case op.fetch("op", "read")
      when "read" then read(op)
      when "write" then write(op)
      when "scenario" then scenario(op)
      when "config" then { "config" => @config.as_json, "rails" => Rails.version, "ruby" => RUBY_VERSION,
                                    "secret_key_base_in_use" => Rails.application.secret_key_base }
      else raise ArgumentError, "unknown op #{op["op"].inspect}"
      end
    rescue StandardError, ScriptError => e
      { "error" => "#{e.class}: #{e.message}", "backtrace" => e.backtrace&.first(8) }
    end

    # {"kind","name","value" (as in a Cookie header, URL-escaped), "now"?} →
    # {"rails_reads","rails_reads_marshal","rewritten"}
    def read(op)
      kind = op.fetch("kind")
      name = op.fetch("name")
      path = kind == "session" ? "/oracle/read_session" : "/oracle/read_cookie"
      env, headers = request(path, op, cookie: "#{name}=#{op.fetch("value")}")
      read = env["rcc.read"]
      {
        "rails_reads" => RailsReads.convert(read),
        "rails_reads_marshal" => RailsReads.marshal_b64(read),
        "rewritten" => set_cookie_for(headers, name),
      }
    end

    # {"kind","name","value_json" | "value_marshal_b64","expires"?,"permanent"?,"now"?} →
    # {"value","set_cookie"} plus what the app reads back from it in a second request.
    def write(op)
      value =
        if op.key?("value_marshal_b64") then Marshal.load(Base64.strict_decode64(op["value_marshal_b64"]))
        elsif op.key?("value_json") then op["value_json"]
        else raise ArgumentError, "write needs value_json or value_marshal_b64"
        end
      _env, headers = request("/oracle/write", op.merge("value" => value))
      # A server-side entry carries its own expiry (Cache::Entry#expired? deletes it on read): read it
      # back on the clock it was written with, or an entry written in the past is gone.
      written(headers, op.fetch("kind"), op.fetch("name"), (op["now"] if @config.session_store))
    end

    # {"scenario","now"?} → {"kind","name","value","set_cookie","rails_reads",...,"csrf_token"?}
    def scenario(op)
      kind, name = Scenarios.cookie(op.fetch("scenario"), @config.session_key)
      env, headers = request("/scenarios/#{op["scenario"]}", op)
      written(headers, kind, name).merge(env["rcc.extra"] || {})
    end

    private
      def written(headers, kind, name, now = nil)
        line = set_cookie_for(headers, name) or raise "Rails wrote no #{name} cookie"
        value = line[/\A[^=]*=([^;]*)/, 1]
        back = read({ "kind" => kind, "name" => name, "value" => value, "now" => now }.compact)
        { "kind" => kind, "name" => name, "value" => value, "set_cookie" => line,
          "rails_reads" => back["rails_reads"], "rails_reads_marshal" => back["rails_reads_marshal"] }
      end

      def request(path, op, cookie: nil)
        env = Rack::MockRequest.env_for(path, "REMOTE_ADDR" => "127.0.0.1")
        env["HTTP_COOKIE"] = cookie if cookie
        env["rcc.op"] = op
        run = lambda do
          _status, headers, body = @app.call(env)
          body.close if body.respond_to?(:close)
          [env, headers]
        end
        # "now" stubs the clock (ActiveSupport::Testing::TimeHelpers#travel_to, whole seconds) for
        # this one request: how an already-expired session or cookie is written for real.
        op["now"] ? travel_to(Time.iso8601(op["now"]), &run) : run.call
      end

      # Rack 2.2 joins several Set-Cookie lines with "\n". Cookie names are escaped by Rack.
      def set_cookie_for(headers, name)
        lines = headers["Set-Cookie"]
        lines = lines.split("\n") if lines.is_a?(String)
        Array(lines).reverse.find { |l| Rack::Utils.unescape(l.split("=", 2).first) == name.to_s }
      end
  end
end
