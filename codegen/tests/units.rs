//! One construct at a time: a few-line spec, and a snapshot of only the units it produces
//! (a type, a builder, a server handler…), so that a change of the generator shows in a short
//! snapshot, not only in the whole client's. Each test also checks that the text of its units
//! is exactly what the whole file holds.

use aqua_codegen::SpecSource;
use aqua_codegen::emit::Unit;

/// The text of the units `select` picks from what `body` (a spec without its `openapi` and
/// `info`) generates, printed as in the file (units of `impl Client` and `mod server` are
/// indented as inside them).
fn units(body: &str, select: impl Fn(&Unit<'_>) -> bool) -> String {
    let text = format!("openapi: 3.0.3\ninfo: {{title: Construct, version: '1'}}\n{body}");
    let source = SpecSource::new("construct.yaml", text);
    let generated = aqua_codegen::generate(&source).unwrap_or_else(|d| panic!("{d}"));
    let whole = aqua_codegen::render_with_threads(&generated, 1).unwrap_or_else(|d| panic!("{d}"));
    let api = &generated.api;
    let picked: Vec<Unit<'_>> = aqua_codegen::emit::units(api)
        .into_iter()
        .filter(select)
        .collect();
    assert!(!picked.is_empty(), "no unit was picked");
    let texts: Vec<String> = picked
        .iter()
        .map(|unit| {
            let text = aqua_codegen::render::render_units(api, &[*unit])
                .unwrap_or_else(|e| panic!("{unit:?} does not print: {e}"));
            assert!(
                whole.contains(text.trim()),
                "{unit:?} is printed otherwise in the whole file:\n{text}"
            );
            text
        })
        .collect();
    texts.join("\n")
}

/// Picks the named type `name`.
fn named(name: &str) -> impl Fn(&Unit<'_>) -> bool + '_ {
    move |unit| matches!(unit, Unit::Type(def) if def.name == name)
}

const PETS: &str = "
paths:
  /owners/{owner}/pets:
    post:
      operationId: addPet
      parameters:
        - {name: owner, in: path, required: true, schema: {type: string}}
        - {name: dryRun, in: query, schema: {type: boolean}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
      responses:
        '201':
          description: The pet as stored.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 20, description: The pet's name.}
        age: {type: integer, format: int32, minimum: 0}
";

#[test]
fn a_struct_sent_in_requests() {
    insta::assert_snapshot!(units(PETS, named("Pet")));
}

#[test]
fn a_string_enum() {
    let spec = "
paths: {}
components:
  schemas:
    Status:
      type: string
      enum: [active, on-hold]
      x-enum-descriptions: {active: In use.}
";
    insta::assert_snapshot!(units(spec, named("Status")));
}

#[test]
fn a_union_with_a_discriminator() {
    let spec = "
paths: {}
components:
  schemas:
    Cat: {type: object, properties: {kind: {type: string}, lives: {type: integer}}}
    Dog: {type: object, properties: {kind: {type: string}, good: {type: boolean}}}
    Pet:
      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
      discriminator: {propertyName: kind}
";
    insta::assert_snapshot!(units(spec, named("Pet")));
}

#[test]
fn an_operation_builder() {
    insta::assert_snapshot!(units(PETS, |unit| matches!(
        unit,
        Unit::ClientMethod(_) | Unit::Builder(_)
    )));
}

#[test]
fn a_server_input_and_handler() {
    insta::assert_snapshot!(units(PETS, |unit| matches!(
        unit,
        Unit::ServerInput(_) | Unit::ServerHandler(_)
    )));
}

#[test]
fn several_success_responses() {
    let spec = "
paths:
  /jobs/{id}:
    delete:
      operationId: cancelJob
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: Cancelled.
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
        '204': {description: Already gone.}
";
    insta::assert_snapshot!(units(spec, |unit| matches!(unit, Unit::Builder(_))));
}

/// Every kind of security scheme, the document's requirement (alternatives) and an
/// operation's own (schemes combined).
const SECURITY: &str = "
security:
  - {basicAuth: []}
  - {bearerAuth: []}
paths:
  /files:
    post:
      operationId: uploadFile
      security:
        - {apiKey: [], appId: []}
        - {session: []}
      responses:
        '204': {description: Uploaded.}
  /health:
    get:
      operationId: health
      security: []
      responses:
        '204': {description: Up.}
components:
  securitySchemes:
    basicAuth: {type: http, scheme: basic, description: Your account's key as the user name.}
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
    apiKey: {type: apiKey, in: header, name: X-API-Key}
    appId: {type: apiKey, in: query, name: app_id}
    session: {type: apiKey, in: cookie, name: session}
    oauth:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://example.com/authorize
          tokenUrl: https://example.com/token
          scopes: {read: Read.}
        clientCredentials: {tokenUrl: /oauth/token, scopes: {}}
    oidc: {type: openIdConnect, openIdConnectUrl: 'https://example.com/.well-known/openid-configuration'}
    digest: {type: http, scheme: digest}
";

#[test]
fn credentials_of_every_kind_of_security_scheme() {
    let text = format!("openapi: 3.0.3\ninfo: {{title: Construct, version: '1'}}\n{SECURITY}");
    let source = SpecSource::new("construct.yaml", text);
    let generated = aqua_codegen::generate(&source).unwrap_or_else(|d| panic!("{d}"));
    // The digest scheme is the only one generated with a warning.
    let shown = generated.warnings.to_string();
    assert_eq!(shown.matches("warning at").count(), 1, "{shown}");
    assert!(
        shown.contains("#/components/securitySchemes/digest/scheme"),
        "{shown}"
    );
    let text = aqua_codegen::render::render_units(&generated.api, &[Unit::Credentials]).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn an_operation_with_its_own_security() {
    let spec = SECURITY.replace("digest: {type: http, scheme: digest}", "");
    insta::assert_snapshot!(units(&spec, |unit| matches!(
        unit,
        Unit::ClientMethod(_) | Unit::Builder(_)
    )));
}

#[test]
fn a_multipart_body_with_file_parts() {
    let spec = "
paths:
  /files:
    post:
      operationId: uploadFile
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file]
              properties:
                file: {type: string, format: binary}
                purpose: {type: string}
            encoding:
              file: {contentType: application/pdf}
      responses:
        '204': {description: Stored.}
";
    insta::assert_snapshot!(units(spec, |unit| matches!(
        unit,
        Unit::Builder(_) | Unit::ServerInput(_)
    )));
}

#[test]
fn a_body_of_several_media_types() {
    let spec = "
paths:
  /notes:
    put:
      operationId: putNote
      requestBody:
        content:
          text/plain:
            schema: {type: string}
          application/json:
            schema:
              type: object
              properties:
                text: {type: string}
      responses:
        '204': {description: Stored.}
";
    insta::assert_snapshot!(units(spec, |unit| matches!(
        unit,
        Unit::ClientMethod(_) | Unit::Builder(_) | Unit::ServerInput(_)
    )));
}

#[test]
fn text_bytes_and_streamed_responses() {
    let spec = "
paths:
  /report.csv:
    get:
      operationId: getCsv
      responses:
        '200':
          description: The report.
          content:
            text/csv: {schema: {type: string}}
  /report.xml:
    get:
      operationId: getXml
      responses:
        '200':
          description: The report.
          content:
            application/xml: {schema: {type: object}}
  /report:
    get:
      operationId: getAny
      responses:
        '200':
          description: The report.
          content:
            '*/*': {schema: {type: string}}
  /feed:
    get:
      operationId: getFeed
      responses:
        default:
          description: The feed.
          content:
            application/hal+json: {}
";
    insta::assert_snapshot!(units(spec, |unit| matches!(
        unit,
        Unit::Builder(_) | Unit::ServerHandler(_) | Unit::ServerTrait
    )));
}

#[test]
fn parameters_of_every_style() {
    let spec = "
paths:
  /things/{ids}:
    get:
      operationId: getThings
      parameters:
        - {name: ids, in: path, required: true, schema: {type: array, items: {type: integer}}}
        - {name: filter, in: query, style: deepObject, explode: true,
           schema: {type: object, properties: {status: {type: string}}}}
        - {name: tags, in: query, style: pipeDelimited, schema: {type: array, items: {type: string}}}
        - {name: q, in: query, content: {application/json: {schema: {type: object}}}}
        - {name: X-Ids, in: header, schema: {type: array, items: {type: integer}}}
      responses:
        '204': {description: Done.}
";
    insta::assert_snapshot!(units(spec, |unit| matches!(
        unit,
        Unit::Builder(_) | Unit::ServerInput(_)
    )));
}

#[test]
fn templates_that_share_a_route() {
    let spec = "
paths:
  /files/{name}.{ext}:
    get:
      operationId: getTyped
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}}
        - {name: ext, in: path, required: true, schema: {type: string}}
      responses:
        '204': {description: Done.}
  /files/{id}:
    get:
      operationId: getFile
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '204': {description: Done.}
  /search?kind=all:
    get:
      operationId: searchAll
      responses:
        '204': {description: Done.}
";
    insta::assert_snapshot!(units(spec, |unit| matches!(
        unit,
        Unit::ServerRouter | Unit::Builder(_)
    )));
}

#[test]
fn a_template_that_disagrees_with_the_parameters() {
    let text = "openapi: 3.0.3\ninfo: {title: Construct, version: '1'}\n
paths:
  /jobs/{jobId}:
    get:
      operationId: getJob
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '204': {description: Done.}
";
    let source = SpecSource::new("construct.yaml", text);
    let generated = aqua_codegen::generate(&source).unwrap_or_else(|d| panic!("{d}"));
    let messages: Vec<&str> = generated
        .warnings
        .items
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "path parameter `id` does not appear in the path template: it is left out",
            "the path template uses `{jobId}` but no path parameter `jobId` is declared: generated as a required string path parameter",
        ]
    );
    let api = &generated.api;
    let picked: Vec<Unit<'_>> = aqua_codegen::emit::units(api)
        .into_iter()
        .filter(|unit| matches!(unit, Unit::ClientMethod(_) | Unit::Builder(_)))
        .collect();
    insta::assert_snapshot!(aqua_codegen::render::render_units(api, &picked).unwrap());
}

#[test]
fn an_object_without_type_with_a_typed_map_for_the_other_properties() {
    let spec = "
paths: {}
components:
  schemas:
    Counts:
      description: Counts by name, and their total.
      properties:
        total: {type: integer}
      additionalProperties: {type: integer}
";
    insta::assert_snapshot!(units(spec, named("Counts")));
}

#[test]
fn an_integer_enum() {
    let spec = "
paths: {}
components:
  schemas:
    Level:
      type: integer
      enum: [1, 2, -1]
      x-enum-descriptions: [Low., High., Unset.]
";
    insta::assert_snapshot!(units(spec, named("Level")));
}

#[test]
fn a_number_enum() {
    let spec = "
paths: {}
components:
  schemas:
    Ratio:
      enum: [0.5, 1.5]
";
    insta::assert_snapshot!(units(spec, named("Ratio")));
}

#[test]
fn all_of_wrappers_are_the_type_they_wrap() {
    // The form every amazonaws.com document uses for each property.
    let spec = "
paths: {}
components:
  schemas:
    Arn: {type: string}
    Status: {type: string, enum: [on, off]}
    Thing:
      type: object
      required: [status]
      properties:
        arn:
          allOf:
            - $ref: '#/components/schemas/Arn'
            - description: The thing's ARN.
        status:
          nullable: true
          allOf:
            - $ref: '#/components/schemas/Status'
";
    insta::assert_snapshot!(units(spec, named("Thing")));
}

#[test]
fn an_all_of_with_own_properties_and_object_alternatives() {
    let spec = "
paths: {}
components:
  schemas:
    Base:
      type: object
      required: [id]
      properties:
        id: {type: string}
    Import:
      type: object
      allOf:
        - $ref: '#/components/schemas/Base'
      properties:
        name: {type: string}
      oneOf:
        - properties: {url: {type: string}}
          required: [url]
        - properties: {file: {type: string, format: binary}}
          required: [file]
";
    insta::assert_snapshot!(units(spec, named("Import")));
}

#[test]
fn a_union_with_a_discriminator_over_inline_alternatives() {
    let spec = "
paths: {}
components:
  schemas:
    Event:
      type: object
      discriminator: {propertyName: kind}
      oneOf:
        - properties:
            kind: {type: string, enum: [click]}
            x: {type: integer}
        - properties:
            kind: {type: string}
            code: {type: string}
";
    insta::assert_snapshot!(units(spec, named("Event")));
}

#[test]
fn an_object_that_allows_no_property() {
    let spec = "
paths: {}
components:
  schemas:
    Marker: {type: object, additionalProperties: false}
";
    insta::assert_snapshot!(units(spec, named("Marker")));
}

const PING: &str = "
paths:
  /ping:
    get:
      operationId: ping
      responses:
        '204': {description: Up.}
";

#[test]
fn servers_with_variables() {
    let spec = format!(
        "servers:
  - url: https://{{region}}.api.example.com/{{basePath}}
    description: The regional API.
    variables:
      region: {{enum: [eu-west-1, us-east-1], default: us-east-1, description: The region.}}
      basePath: {{default: v2}}
  - url: https://api.example.com
{PING}"
    );
    insta::assert_snapshot!(units(&spec, |unit| matches!(unit, Unit::Environment)
        || matches!(unit, Unit::Type(def) if def.name == "Region")));
}

#[test]
fn a_relative_server() {
    let spec = format!("servers:\n  - url: /api/v3\n{PING}");
    insta::assert_snapshot!(units(&spec, |unit| matches!(
        unit,
        Unit::Environment | Unit::ClientConstructors
    )));
}

#[test]
fn no_servers() {
    // OpenAPI's default server is `/`: the user gives the base URL.
    insta::assert_snapshot!(units(PING, |unit| matches!(
        unit,
        Unit::Environment | Unit::ClientConstructors
    )));
}

#[test]
fn operations_with_servers_of_their_own() {
    let spec = "
servers:
  - url: https://api.example.com/v1
paths:
  /health:
    servers:
      - url: /
    get:
      operationId: health
      responses:
        '204': {description: Up.}
  /status:
    get:
      operationId: status
      servers:
        - url: https://api.example.com/v2
      responses:
        '204': {description: Up.}
  /uploads:
    post:
      operationId: upload
      servers:
        - url: https://uploads.example.com/files
        - url: https://uploads.eu.example.com/files
      responses:
        '201': {description: Stored.}
  /items:
    servers:
      - url: https://api.example.com/v1
    get:
      operationId: listItems
      responses:
        '204': {description: Listed.}
";
    insta::assert_snapshot!(units(spec, |unit| matches!(
        unit,
        Unit::ClientMethod(_) | Unit::Builder(_)
    )));
}

#[test]
fn a_server_path_whose_defaults_leave_braces_is_no_route() {
    let spec = format!(
        "servers:
  - url: https://api.example.com/{{accountName}}/pricing
    variables:
      accountName: {{default: '{{accountName}}'}}
  - url: https://api.example.com/v1
{PING}"
    );
    let router = units(&spec, |unit| matches!(unit, Unit::ServerRouter));
    assert!(router.contains("\"/v1/ping\""), "{router}");
    assert!(!router.contains("accountName"), "{router}");
}

#[test]
fn limits_that_check_nothing_are_left_out() {
    // `minLength: 0` and `minItems: 0` hold for every value; `maxLength` is checked.
    let spec = "
paths:
  /notes:
    post:
      operationId: addNote
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Note'}
      responses:
        '204': {description: Added.}
components:
  schemas:
    Note:
      type: object
      properties:
        text: {type: string, minLength: 0, maxLength: 5}
        tags: {type: array, minItems: 0, items: {type: string}}
";
    let text = units(spec, named("Note"));
    assert!(text.contains("> 5"), "{text}");
    assert!(!text.contains("< 0"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn a_string_enum_parameter_with_a_length_limit_is_not_checked_as_text() {
    // Stripe writes `maxLength: 5000` beside the `enum` of its query parameters.
    let spec = "
paths:
  /files:
    get:
      operationId: listFiles
      parameters:
        - name: purpose
          in: query
          schema: {type: string, maxLength: 5000, enum: [dispute, identity]}
        - name: q
          in: query
          schema: {type: string, maxLength: 50}
      responses:
        '204': {description: Listed.}
";
    let text = units(spec, |unit| matches!(unit, Unit::Builder(_)));
    assert!(text.contains("> 50"), "{text}");
    assert!(!text.contains("5000"), "{text}");
}

/// Zuora documents a response twice: `application/json` with examples only, and
/// `application/json; charset=utf-8` with the schema. The schema types the response, and
/// the examples of both are examples of that type.
#[test]
fn a_json_response_documented_with_and_without_a_schema() {
    let spec = "
paths:
  /accounts/{key}:
    get:
      operationId: getAccount
      parameters:
        - {name: key, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: The account.
          content:
            application/json:
              examples:
                response: {value: {name: Test}}
            application/json; charset=utf-8:
              schema: {$ref: '#/components/schemas/Account'}
components:
  schemas:
    Account:
      type: object
      properties:
        name: {type: string}
";
    let text = units(spec, |unit| matches!(unit, Unit::Builder(_)));
    assert!(
        text.contains("Result<Account, Error>>"),
        "the response is not typed by its schema:\n{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn a_hierarchy_under_a_discriminator_on_an_all_of_base() {
    // Tags from the mapping (a `$ref` or a bare name), Azure's `x-ms-discriminator-value`,
    // or the schema's name; a subtype that is a base too is selected by its subtypes' tags.
    let spec = "
paths: {}
components:
  schemas:
    Shape:
      type: object
      required: [kind]
      properties:
        kind: {type: string}
      discriminator:
        propertyName: kind
        mapping:
          circle: '#/components/schemas/Circle'
          ring: Ring
    Circle:
      allOf:
        - $ref: '#/components/schemas/Shape'
        - properties: {radius: {type: number}}
    Ring:
      allOf:
        - $ref: '#/components/schemas/Shape'
    Square:
      x-ms-discriminator-value: sq
      allOf:
        - $ref: '#/components/schemas/Shape'
        - properties: {side: {type: number}}
    Polygon:
      discriminator: {propertyName: kind}
      allOf:
        - $ref: '#/components/schemas/Shape'
        - properties: {corners: {type: integer}}
    Triangle:
      allOf:
        - $ref: '#/components/schemas/Polygon'
";
    insta::assert_snapshot!(units(spec, |unit| matches!(
        unit,
        Unit::Type(def) if ["Shape", "Polygon", "Ring"].contains(&def.name.as_str())
    )));
}
